// megalodon against two fedi instances: the same story as masto.mjs, through megalodon's
// Mastodon client (`generator("mastodon", ...)`), plus what its `detector` makes of fedi.
// megalodon has no password grant, so the token request after its app registration is a
// plain POST /oauth/token.
import megalodon from "megalodon";

import { brief, Inbox, OOB, run, SCOPES, waitFor } from "./lib.mjs";

const { default: generator, detector } = megalodon;

async function login({ url, username, password }) {
  const app = await generator("mastodon", url).registerApp("megalodon e2e", { scopes: SCOPES.split(" ") });
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password", client_id: app.client_id, client_secret: app.client_secret,
      redirect_uri: OOB, scope: SCOPES, username, password,
    }),
  });
  if (!response.ok) throw new Error(`token request: ${response.status} ${await response.text()}`);
  const token = await response.json();
  return { app, token, api: generator("mastodon", url, token.access_token) };
}

const relation = (r) => ({ following: r.following, requested: r.requested, followedBy: r.followed_by });

/** The next page's max_id from a Link header, as megalodon leaves paging to its caller. */
function nextMaxId(link) {
  const next = /<([^>]+)>;\s*rel="next"/.exec(link ?? "");
  return next ? new URL(next[1]).searchParams.get("max_id") : null;
}

run(async ({ alice: aliceIn, bob: bobIn }) => {
  const out = {};
  try {
    out.detected = await detector(aliceIn.url);
  } catch (err) {
    out.detected = { error: `${err.name}: ${err.message}` };
  }
  const { app, token, api: alice } = await login(aliceIn);
  const bob = generator("mastodon", bobIn.url, bobIn.token);
  out.app = { name: app.name, redirectUri: app.redirect_uri, authorizeUrl: app.url };
  out.token = { scope: token.scope, tokenType: token.token_type };

  const me = (await alice.verifyAccountCredentials()).data;
  out.me = { id: me.id, acct: me.acct, username: me.username };

  // three posts, the last unlisted behind a content warning; the home timeline two at a time
  const posted = [];
  for (const n of [1, 2]) posted.push((await alice.postStatus(`megalodon post ${n}`)).data);
  posted.push((await alice.postStatus("megalodon post 3", {
    spoiler_text: "spoilers ahead", visibility: "unlisted",
  })).data);
  out.posted = posted.map(brief);
  out.homePages = [];
  let maxId;
  do {
    const page = await alice.getHomeTimeline({ limit: 2, ...(maxId ? { max_id: maxId } : {}) });
    out.homePages.push(page.data.map((s) => s.id));
    maxId = nextMaxId(page.headers.link);
  } while (maxId && out.homePages.length < 6);

  // find bob on his professional instance and ask to follow: pending until he authorizes
  const found = (await alice.search(`@${bobIn.acct}`, { type: "accounts", resolve: true })).data;
  const remoteBob = found.accounts[0];
  out.found = found.accounts.map((a) => a.acct);
  out.followed = relation((await alice.followAccount(remoteBob.id)).data);
  const requests = await waitFor("the follow request", async () => {
    const list = (await bob.getFollowRequests()).data;
    return list.length ? list : null;
  });
  out.requests = requests.map((a) => a.acct);
  out.pending = relation((await alice.getRelationship(remoteBob.id)).data);
  out.authorized = relation((await bob.acceptFollowRequest(requests[0].id)).data);
  out.following = await waitFor("the accepted follow", async () => {
    const rel = (await alice.getRelationship(remoteBob.id)).data;
    return rel.following ? relation(rel) : null;
  });

  // alice's user stream: megalodon connects to the instance's urls.streaming_api
  out.streamingUrl = await alice.streamingURL();
  const stream = await alice.userStreaming();
  const inbox = new Inbox();
  for (const event of ["update", "notification", "delete", "status_update"]) {
    stream.on(event, (payload) => inbox.push({ event, payload }));
  }
  stream.on("error", (err) => inbox.push({ error: String(err?.message ?? err) }));
  stream.on("parser-error", (err) => inbox.push({ error: String(err?.message ?? err) }));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the stream did not connect")), 10000);
    stream.once("connect", () => (clearTimeout(timer), resolve()));
  });

  const bobs = (await bob.postStatus("a public post by bob", { visibility: "public" })).data;
  out.bobs = brief(bobs);
  const streamed = await inbox.next("bob's post on the stream",
    (e) => e.event === "update" && e.payload.uri === bobs.uri);
  out.streamed = { event: streamed.event, status: brief(streamed.payload) };
  const seen = await waitFor("bob's post in the home timeline", async () => {
    const home = (await alice.getHomeTimeline({ limit: 10 })).data;
    return home.find((s) => s.uri === bobs.uri);
  });
  out.seen = brief(seen);

  // favourite, boost and reply; bob is told of each, and alice's stream brings nothing broken
  const faved = (await alice.favouriteStatus(seen.id)).data;
  out.favourited = { id: faved.id, favourited: faved.favourited, count: faved.favourites_count };
  const boost = (await alice.reblogStatus(seen.id)).data;
  out.boost = { id: boost.id, reblogOf: boost.reblog?.id, reblogged: boost.reblog?.reblogged };
  out.reply = brief((await alice.postStatus(`@${bobIn.acct} nice one`, { in_reply_to_id: seen.id })).data);
  const wanted = ["favourite", "reblog", "mention"];
  const notes = await waitFor("bob's notifications", async () => {
    const list = (await bob.getNotifications({ limit: 30 })).data;
    return wanted.every((type) => list.some((n) => n.type === type)) ? list : null;
  });
  out.bobNotifications = notes.map((n) => ({
    id: n.id, type: n.type, acct: n.account.acct, statusUri: n.status?.uri ?? null,
  }));

  // a status that does not exist: megalodon rejects with the HTTP error and the server's body
  try {
    await alice.getStatus("404404404404");
    out.missing = { raised: false };
  } catch (err) {
    out.missing = { raised: true, status: err.response?.status, body: err.response?.data };
  }

  out.streamErrors = inbox.events.filter((e) => e.error).map((e) => e.error);
  stream.stop();
  return out;
});

// masto.js against two fedi instances: alice logs in on her personal instance through OAuth,
// posts, pages her home timeline, follows bob on a professional instance (a request bob
// authorizes), sees his post in her home timeline and on her user stream, reacts to it, and
// bob's notifications are read back. Input and output: see lib.mjs and test_js_clients.py.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError } from "masto";

import { brief, Inbox, OOB, run, SCOPES, waitFor } from "./lib.mjs";

const relation = (r) => ({ following: r.following, requested: r.requested, followedBy: r.followedBy });

async function login({ url, username, password }) {
  const anonymous = createRestAPIClient({ url });
  const app = await anonymous.v1.apps.create({ clientName: "masto.js e2e", redirectUris: OOB, scopes: SCOPES });
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "password", clientId: app.clientId, clientSecret: app.clientSecret,
    redirectUri: OOB, scope: SCOPES, username, password,
  });
  return { token, api: createRestAPIClient({ url, accessToken: token.accessToken }) };
}

run(async ({ alice: aliceIn, bob: bobIn }) => {
  const out = {};
  const { token, api: alice } = await login(aliceIn);
  const bob = createRestAPIClient({ url: bobIn.url, accessToken: bobIn.token });
  out.token = { scope: token.scope, tokenType: token.tokenType };

  const me = await alice.v1.accounts.verifyCredentials();
  out.me = { id: me.id, acct: me.acct, username: me.username };

  // three posts, the last unlisted behind a content warning; the home timeline two at a time
  const posted = [];
  for (const n of [1, 2]) posted.push(await alice.v1.statuses.create({ status: `masto.js post ${n}` }));
  posted.push(await alice.v1.statuses.create({
    status: "masto.js post 3", spoilerText: "spoilers ahead", visibility: "unlisted",
  }));
  out.posted = posted.map(brief);
  out.homePages = [];
  for await (const page of alice.v1.timelines.home.list({ limit: 2 })) {
    out.homePages.push(page.map((s) => s.id));
    if (out.homePages.length > 5) break;
  }

  // find bob on his professional instance and ask to follow: pending until he authorizes
  const found = await alice.v2.search.list({ q: `@${bobIn.acct}`, resolve: true, type: "accounts" });
  const remoteBob = found.accounts[0];
  out.found = found.accounts.map((a) => a.acct);
  out.followed = relation(await alice.v1.accounts.$select(remoteBob.id).follow());
  const requests = await waitFor("the follow request", async () => {
    const list = await bob.v1.followRequests.list();
    return list.length ? list : null;
  });
  out.requests = requests.map((a) => a.acct);
  const [pending] = await alice.v1.accounts.relationships.fetch({ id: [remoteBob.id] });
  out.pending = relation(pending);
  out.authorized = relation(await bob.v1.followRequests.$select(requests[0].id).authorize());
  out.following = await waitFor("the accepted follow", async () => {
    const [rel] = await alice.v1.accounts.relationships.fetch({ id: [remoteBob.id] });
    return rel.following ? relation(rel) : null;
  });

  // alice's user stream, at the streaming URL her instance advertises
  const instance = await alice.v2.instance.fetch();
  out.streamingUrl = instance.configuration.urls.streaming;
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming, accessToken: token.accessToken, retry: 3,
  });
  const inbox = new Inbox();
  const subscription = streaming.user.subscribe();
  const reading = (async () => {
    for await (const event of subscription) inbox.push(event);
  })().catch((err) => inbox.push({ error: String(err) }));
  // the subscription is sent once the socket is open: a post of alice's own proves it is live
  await waitFor("the open stream", async () => {
    const probe = await alice.v1.statuses.create({ status: "stream check", visibility: "private" });
    return inbox.next("the stream check", (e) => e.payload?.id === probe.id, 1000).catch(() => null);
  }, { timeout: 10000, interval: 0 });

  const bobs = await bob.v1.statuses.create({ status: "a public post by bob", visibility: "public" });
  out.bobs = brief(bobs);
  const streamed = await inbox.next("bob's post on the stream",
    (e) => e.event === "update" && e.payload?.uri === bobs.uri);
  out.streamed = { event: streamed.event, stream: streamed.stream, status: brief(streamed.payload) };
  const seen = await waitFor("bob's post in the home timeline", async () => {
    const home = await alice.v1.timelines.home.list({ limit: 10 });
    return home.find((s) => s.uri === bobs.uri);
  });
  out.seen = brief(seen);

  // favourite, boost and reply; bob is told of each
  const faved = await alice.v1.statuses.$select(seen.id).favourite();
  out.favourited = { id: faved.id, favourited: faved.favourited, count: faved.favouritesCount };
  const boost = await alice.v1.statuses.$select(seen.id).reblog();
  out.boost = { id: boost.id, reblogOf: boost.reblog?.id, reblogged: boost.reblog?.reblogged };
  out.reply = brief(await alice.v1.statuses.create({
    status: `@${bobIn.acct} nice one`, inReplyToId: seen.id,
  }));
  const wanted = ["favourite", "reblog", "mention"];
  const notes = await waitFor("bob's notifications", async () => {
    const list = await bob.v1.notifications.list({ limit: 30 });
    return wanted.every((type) => list.some((n) => n.type === type)) ? list : null;
  });
  out.bobNotifications = notes.map((n) => ({
    id: n.id, type: n.type, acct: n.account.acct, statusUri: n.status?.uri ?? null,
  }));

  // a status that does not exist: the library raises its HTTP error with the server's message
  try {
    await alice.v1.statuses.$select("404404404404").fetch();
    out.missing = { raised: false };
  } catch (err) {
    out.missing = { raised: true, isHttpError: err instanceof MastoHttpError, statusCode: err.statusCode,
                    message: err.message };
  }

  out.streamErrors = inbox.events.filter((e) => e.error).map((e) => e.error);
  subscription.unsubscribe();
  streaming.close();
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 500))]);
  return out;
});

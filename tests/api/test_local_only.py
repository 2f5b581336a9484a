"""Local-only posts in the client API: `visibility=local` (Akkoma's spelling) and
`local_only=true` (glitch-soc's flag), `local_only` on every Status, who reads them where
(signed-in local accounts only), a per-account default, scheduled posts and live streams.
Mastodon.py refuses to send `visibility=local` itself, so posting is plain HTTP; reading
goes through Mastodon.py."""

import asyncio
import json
from datetime import datetime, timedelta, timezone


from fedi.api import streaming
from fedi.services import profile, statuses
from tests.api.conftest import call, req





async def _post(site, **fields) -> dict:
    json_body = fields.pop("as_json", False)
    kwargs = {"json": fields} if json_body else {"data": fields}
    status, doc = await req(site, "POST", "/api/v1/statuses", site.tokens["alice"], **kwargs)
    assert status == 200, doc
    return doc


async def _app_token(site) -> str:
    """A token of an app with no account behind it (client credentials)."""
    status, app = await req(site, "POST", "/api/v1/apps", data={"client_name": "reader", "scopes": "read"})
    assert status == 200, app
    status, body = await req(site, "POST", "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read"})
    assert status == 200, body
    return body["access_token"]


async def test_both_spellings_make_a_local_only_post(site):
    made = [
        await _post(site, status="one #here", visibility="local"),
        await _post(site, status="two", visibility="public", local_only="true", as_json=True),
        await _post(site, status="three", local_only=True, as_json=True),
        await _post(site, status="four", visibility="local_only"),
    ]
    for doc in made:
        assert doc["visibility"] == "local" and doc["local_only"] is True, doc
    plain = await call(site.clients["alice"].status_post, "an ordinary post")
    assert plain["visibility"] == "public" and plain["local_only"] is False
    status, doc = await req(site, "POST", "/api/v1/statuses", site.tokens["alice"],
                            data={"status": "x", "visibility": "everywhere"})
    assert status == 422 and "Visibility" in doc["error"]

    # An edit keeps it local-only (visibility cannot change) and says so
    status, edited = await req(site, "PUT", f"/api/v1/statuses/{made[0]['id']}", site.tokens["alice"],
                               data={"status": "one, edited #here", "visibility": "public"})
    assert status == 200 and edited["visibility"] == "local" and edited["local_only"] is True
    # The other routes about the post answer for it too
    bob = site.clients["bob"]
    for fn in (bob.status, bob.status_context, bob.status_history, bob.status_source,
               bob.status_favourited_by, bob.status_reblogged_by):
        await call(fn, made[0]["id"])
    status, pinned = await req(site, "POST", f"/api/v1/statuses/{made[0]['id']}/pin", site.tokens["alice"])
    assert status == 200 and pinned["pinned"] is True


async def test_only_signed_in_local_accounts_read_local_only_posts(site):
    post = await _post(site, status="for the neighbourhood #here", visibility="local")
    public = await call(site.clients["alice"].status_post, "for the world #here")
    bob = site.clients["bob"]

    # bob, signed in here, sees it everywhere alice's public posts show
    assert (await call(bob.status, post["id"]))["local_only"] is True
    for timeline in (await call(bob.timeline_local), await call(bob.timeline_public),
                     await call(bob.timeline_hashtag, "here"),
                     await call(bob.account_statuses, post["account"]["id"])):
        assert [s["id"] for s in timeline] == [public["id"], post["id"]]
    # a visitor, and an app with no account, do not
    app_token = await _app_token(site)
    for token in (None, app_token):
        for path in ("/api/v1/timelines/public?local=true", "/api/v1/timelines/public",
                     "/api/v1/timelines/tag/here", f"/api/v1/accounts/{post['account']['id']}/statuses"):
            status, docs = await req(site, "GET", path, token)
            assert status == 200 and [s["id"] for s in docs] == [public["id"]], (path, token)
        for path in (f"/api/v1/statuses/{post['id']}", f"/api/v1/statuses/{post['id']}/context",
                     f"/api/v1/statuses/{post['id']}/source"):
            status, _ = await req(site, "GET", path, token)
            assert status == 404, path
        status, docs = await req(site, "GET", f"/api/v1/statuses?id[]={post['id']}&id[]={public['id']}", token)
        assert [s["id"] for s in docs] == [public["id"]]

    # replying keeps it local-only; boosting makes a local-only boost
    status, reply = await req(site, "POST", "/api/v1/statuses", site.tokens["bob"],
                              data={"status": "@alice yes", "in_reply_to_id": post["id"], "visibility": "public"})
    assert status == 200 and reply["visibility"] == "local" and reply["local_only"] is True
    boost = await call(bob.status_reblog, post["id"])
    assert boost["visibility"] == "local" and boost["local_only"] is True
    assert boost["reblog"]["local_only"] is True
    context = await call(site.clients["alice"].status_context, post["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]


async def test_local_only_as_the_default_and_in_scheduled_posts(site):
    status, me = await req(site, "PATCH", "/api/v1/accounts/update_credentials", site.tokens["alice"],
                           data={"source[privacy]": "local"})
    assert status == 200 and me["source"]["privacy"] == "local", me
    assert (await call(site.clients["alice"].preferences))["posting:default:visibility"] == "local"
    posted = await call(site.clients["alice"].status_post, "by default")
    assert posted["visibility"] == "local" and posted["local_only"] is True
    bob = await site.state.store.accounts.by_handle("bob", None)
    await profile.set_default_visibility(site.state, bob, "local-only")
    assert (await site.state.store.users.get(bob.id)).default_visibility == "local"
    made = await statuses.create(site.state, bob, "mine too")
    assert made.visibility == "local"

    soon = (datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()
    status, sched = await req(site, "POST", "/api/v1/statuses", site.tokens["alice"],
                              data={"status": "later", "scheduled_at": soon, "local_only": "true",
                                    "visibility": "public"})
    assert status == 200 and sched["params"]["visibility"] == "local", sched
    await site.state.store.database.execute("UPDATE jobs SET next_attempt_at = 0 WHERE id = ?", (sched["id"],))
    await site.runner.run_until_idle(["scheduled"])
    home = await call(site.clients["alice"].timeline_home)
    assert [(s["content"], s["visibility"]) for s in home][0] == ("<p>later</p>", "local")


async def _next_update(ws, timeout: float = 3.0) -> str | None:
    try:
        msg = await ws.receive_json(timeout=timeout)
    except asyncio.TimeoutError:
        return None
    return json.loads(msg["payload"])["id"] if msg.get("event") == "update" else None


async def test_public_streams_carry_local_only_posts_to_local_readers_only(site):
    alice = await site.state.store.accounts.by_handle("alice", None)
    url = f"{site.base}/api/v1/streaming?stream=public:local"
    async with site.session.ws_connect(url, protocols=[site.tokens["bob"]]) as signed_in, \
            site.session.ws_connect(url) as visitor:
        for _ in range(100):  # until both are listening
            if sum("public:local" in c.sub.streams for c in site.app[streaming.OPEN]) == 2:
                break
            await asyncio.sleep(0.05)
        post = await statuses.create(site.state, alice, "live, locally", visibility="local")
        public = await statuses.create(site.state, alice, "live, for all", visibility="public")
        assert await _next_update(signed_in) == post.id
        assert await _next_update(signed_in) == public.id
        assert await _next_update(visitor) == public.id  # the local-only one never reached it

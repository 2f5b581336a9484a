"""The whole client story through Mastodon.py, across a personal and a professional instance
whose job workers run live: app registration, log-in, posting with an image, following a remote
professional account found by search, its posts in the home timeline and on an open stream,
reactions with notifications on the other side, edits and deletes."""

import asyncio
import io

from mastodon import Mastodon, StreamListener
from PIL import Image

from fedi.api import streaming

from tests.api.conftest import call
from tests.harness import wait_for

SCOPES = ["read", "write", "follow", "push"]


async def _login(inst, username):
    client_id, client_secret = await call(Mastodon.create_app, "fedi e2e", api_base_url=inst.base,
                                          scopes=SCOPES)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=inst.base,
                   version_check_mode="none")
    await call(api.log_in, username, "password123", scopes=SCOPES, allow_http=True)
    return api


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(buf, "PNG")
    return buf.getvalue()


async def test_two_instances_through_mastodon_py(fed, monkeypatch):
    monkeypatch.setattr(streaming, "HEARTBEAT_INTERVAL", 0.2)  # lets the client's reader thread close quickly
    personal = await fed.start("personal.test", "personal", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    await personal.user("alice")
    await pro.user("bob")
    alice = await _login(personal, "alice")
    bob = await _login(pro, "bob")
    assert (await call(alice.account_verify_credentials))["acct"] == "alice"

    # alice posts with an image
    media = await call(alice.media_post, _png(), mime_type="image/png", description="a red square")
    post = await call(alice.status_post, "hello from alice", media_ids=[media["id"]])
    assert post["media_attachments"][0]["description"] == "a red square"

    # alice finds bob on the professional instance and asks to connect: pending until authorized
    found = await call(alice.search_v2, f"@bob@{pro.domain}", resolve=True, result_type="accounts")
    remote_bob = found["accounts"][0]
    rel = await call(alice.account_follow, remote_bob["id"])
    assert rel["requested"] is True and rel["following"] is False
    requests = await wait_for(lambda: call(bob.follow_requests), timeout=10)
    assert [r["acct"] for r in requests] == [f"alice@{personal.domain}"]
    rel = (await call(alice.account_relationships, remote_bob["id"]))[0]
    assert rel["requested"] is True and rel["following"] is False
    await call(bob.follow_request_authorize, requests[0]["id"])

    async def following():
        return (await call(alice.account_relationships, remote_bob["id"]))[0]["following"]

    await wait_for(following, timeout=10)

    # alice keeps a stream open; bob's followers-only post reaches her home timeline and the stream
    events: list = []

    class Listener(StreamListener):
        def on_update(self, status):
            events.append(status)

        def on_abort(self, err):  # pragma: no cover - reported by the assertion below
            events.append(err)

    handle = await call(alice.stream_user, Listener(), run_async=True)
    try:
        await asyncio.sleep(0.5)
        bobs = await call(bob.status_post, "for my connections")
        assert bobs["visibility"] == "private"

        async def in_home():
            home = await call(alice.timeline_home)
            return [s for s in home if s["uri"] == bobs["uri"]]

        seen = (await wait_for(in_home, timeout=10))[0]
        await wait_for(lambda: _async([e for e in events if isinstance(e, dict) and e["uri"] == bobs["uri"]]),
                       timeout=10)
    finally:
        await asyncio.to_thread(handle.close)

    # favourite, boost is refused for a followers-only post, reply; bob is notified of both
    await call(alice.status_favourite, seen["id"])
    reply = await call(alice.status_post, f"@bob@{pro.domain} congratulations", in_reply_to_id=seen["id"])

    async def bob_notified():
        kinds = {n["type"] for n in await call(bob.notifications)}
        return {"favourite", "mention"} <= kinds

    await wait_for(bob_notified, timeout=10)
    ctx = await call(bob.status_context, bobs["id"])
    assert [d["uri"] for d in ctx["descendants"]] == [reply["uri"]]

    # bob follows alice back (she is on a personal instance: accepted at once) and boosts her post
    alice_on_pro = (await call(bob.search_v2, f"@alice@{personal.domain}", resolve=True,
                               result_type="accounts"))["accounts"][0]
    await call(bob.account_follow, alice_on_pro["id"])
    remote_post = (await call(bob.search_v2, post["uri"], resolve=True, result_type="statuses"))["statuses"][0]
    await call(bob.status_reblog, remote_post["id"])

    async def alice_notified():
        return {"reblog", "follow"} <= {n["type"] for n in await call(alice.notifications)}

    await wait_for(alice_notified, timeout=10)

    # an edit and a delete by bob propagate to alice's instance
    await call(bob.status_update, bobs["id"], "for my connections (edited)")

    async def edited():
        return "edited" in (await call(alice.status, seen["id"]))["content"]

    await wait_for(edited, timeout=10)
    await call(bob.status_delete, bobs["id"])

    async def gone():
        return not await in_home()

    await wait_for(gone, timeout=10)


async def _async(value):
    return value

"""Streaming API: server-sent events, the WebSocket endpoint, federation into live streams,
token revocation, shutdown, and Mastodon.py's stream listener."""

import asyncio
import json
import threading

import aiohttp
import pytest
from mastodon import CallbackStreamListener

from fedi.api import streaming
from fedi.services import follows, statuses
from fedi.services.accounts import hash_token
from tests.api.conftest import call, client
from tests.harness import wait_for


@pytest.fixture(autouse=True)
def fast_streams(monkeypatch):
    monkeypatch.setattr(streaming, "HEARTBEAT_INTERVAL", 0.3)
    monkeypatch.setattr(streaming, "REVALIDATE_INTERVAL", 0.2)


class SSE:
    """Reads `event:`/`data:` blocks (and heartbeat comments) from an open response."""

    def __init__(self, resp: aiohttp.ClientResponse):
        self.resp, self.comments = resp, []

    async def next(self, timeout: float = 5.0) -> tuple[str, str] | None:
        """The next event as (name, data), or None when the stream ends."""
        event: dict = {}
        while True:
            line = await asyncio.wait_for(self.resp.content.readline(), timeout)
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line.startswith(":"):
                self.comments.append(line)
            elif line:
                key, value = line.split(": ", 1)
                event[key] = value
            elif event:
                return event["event"], event.get("data")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def until(check, timeout: float = 5.0):
    async def predicate():
        return check()
    return await wait_for(predicate, timeout)


async def listening(inst, bus_stream: str, present: bool = True) -> None:
    """Wait until some open stream of the instance does (or no longer does) watch a bus stream."""
    async def check():
        return any(bus_stream in c.sub.streams for c in inst.app[streaming.OPEN]) == present
    await wait_for(check)


async def test_sse_user_stream_updates_notifications_deletes(fed):
    inst = await fed.start("personal.test")
    alice, ben = await inst.user("alice"), await inst.user("ben")
    await follows.follow(inst.state, alice, ben)
    mine = await statuses.create(inst.state, alice, "my own post", visibility="public")
    url = f"{inst.base}/api/v1/streaming/user"
    async with inst.session.get(url, headers=bearer(await inst.token("alice"))) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        assert resp.headers["Cache-Control"] == "no-cache"
        sse = SSE(resp)
        st = await statuses.create(inst.state, ben, "hello #streams", visibility="private")
        event, data = await sse.next()
        doc = json.loads(data)
        assert event == "update" and doc["id"] == st.id and doc["account"]["username"] == "ben"
        assert doc["visibility"] == "private" and doc["favourited"] is False

        await statuses.favourite(inst.state, ben, mine)
        event, data = await sse.next()
        note = json.loads(data)
        assert event == "notification" and note["type"] == "favourite"
        assert note["status"]["id"] == mine.id and note["account"]["username"] == "ben"

        await statuses.delete(inst.state, ben, st)
        assert await sse.next() == ("delete", st.id)
        assert await asyncio.wait_for(resp.content.readline(), 5) == b":thump\n"  # heartbeat
        assert sse.comments[0] == ":)"


async def test_websocket_subscriptions(fed):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    await inst.user("ben")
    token = await inst.token("ben")
    async with inst.session.ws_connect(f"{inst.base}/api/v1/streaming", protocols=[token]) as ws:
        assert ws.protocol == token
        await ws.send_json({"type": "subscribe", "stream": "public:local"})
        await listening(inst, "public:local")
        pub = await statuses.create(inst.state, alice, "in public", visibility="public")
        msg = await ws.receive_json(timeout=5)
        assert msg["stream"] == ["public:local"] and msg["event"] == "update"
        assert json.loads(msg["payload"])["id"] == pub.id

        await statuses.create(inst.state, alice, "followers only", visibility="private")
        later = await statuses.create(inst.state, alice, "public again", visibility="public")
        inst.state.events.publish("public:local", "update", {"status_id": later.id})  # a repeat
        msg = await ws.receive_json(timeout=5)
        assert json.loads(msg["payload"])["id"] == later.id  # not the private post

        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "Python"})
        await ws.send_json({"type": "unsubscribe", "stream": "public:local"})
        await listening(inst, "public:local", present=False)
        await listening(inst, "hashtag:python")
        await statuses.create(inst.state, alice, "no tag here", visibility="public")
        tagged = await statuses.create(inst.state, alice, "learning #python", visibility="public")
        msg = await ws.receive_json(timeout=5)  # neither the repeat nor the untagged post
        assert msg["stream"] == ["hashtag", "Python"]
        assert json.loads(msg["payload"])["id"] == tagged.id

        await statuses.delete(inst.state, alice, tagged)
        msg = await ws.receive_json(timeout=5)
        assert msg == {"stream": ["hashtag", "Python"], "event": "delete", "payload": tagged.id}

        await ws.send_json({"type": "subscribe", "stream": "nonsense"})
        assert await ws.receive_json(timeout=5) == {"error": "Unknown stream type", "status": 400}
        await ws.send_json({"type": "subscribe", "stream": "list", "list": "1"})
        assert (await ws.receive_json(timeout=5))["status"] == 404


async def test_websocket_user_stream_from_query(fed):
    inst = await fed.start("personal.test")
    alice, ben = await inst.user("alice"), await inst.user("ben")
    await follows.follow(inst.state, ben, alice)
    token = await inst.token("ben")
    url = f"{inst.base}/api/v1/streaming/?stream=user&access_token={token}"
    async with inst.session.ws_connect(url) as ws:
        await listening(inst, f"user:{ben.id}")
        st = await statuses.create(inst.state, alice, "for my followers", visibility="private")
        msg = await ws.receive_json(timeout=5)
        assert msg["stream"] == ["user"] and json.loads(msg["payload"])["id"] == st.id
    async with inst.session.get(f"{inst.base}/api/v1/streaming") as resp:
        assert resp.status == 404  # not a WebSocket upgrade: streaming lives on this host
    with pytest.raises(aiohttp.WSServerHandshakeError) as exc:
        await inst.session.ws_connect(f"{inst.base}/api/v1/streaming?stream=user")
    assert exc.value.status == 401


async def test_cross_instance_post_arrives_live(fed):
    personal = await fed.start("personal.test", "personal", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    alice, bob = await personal.user("alice"), await pro.user("bob")
    remote_bob = await personal.state.resolver.actor(pro.actor("bob"))
    await follows.follow(personal.state, alice, remote_bob)
    store = pro.state.store
    remote_alice = await wait_for(lambda: store.accounts.by_handle("alice", personal.domain))
    await wait_for(lambda: store.follows.get(remote_alice.id, bob.id))
    await follows.accept(pro.state, bob, remote_alice)

    async def accepted():
        fol = await personal.state.store.follows.get(alice.id, remote_bob.id)
        return fol is not None and fol.accepted

    await wait_for(accepted, timeout=10)
    url = f"{personal.base}/api/v1/streaming/user"
    async with personal.session.get(url, headers=bearer(await personal.token("alice"))) as resp:
        sse = SSE(resp)
        st = await statuses.create(pro.state, bob, "news from the office")
        event, data = await sse.next(timeout=10)
        doc = json.loads(data)
        assert event == "update" and doc["uri"] == st.uri and doc["visibility"] == "private"
        assert doc["account"]["acct"] == f"bob@{pro.domain}"


async def test_revoked_token_ends_streams(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    token = await inst.token("alice")
    base, auth = f"{inst.base}/api/v1/streaming", bearer(token)
    async with inst.session.get(f"{base}/public/local", headers=auth) as resp, \
            inst.session.ws_connect(f"{base}?stream=user", headers=auth) as ws:
        assert resp.status == 200
        await until(lambda: len(inst.app[streaming.OPEN]) == 2)
        await inst.state.store.tokens.revoke(hash_token(token))
        assert await SSE(resp).next() is None  # the stream simply ends
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4001
    await until(lambda: not inst.app[streaming.OPEN])
    assert inst.state.events.listeners == 0


async def test_shutdown_closes_open_streams(fed, monkeypatch):
    monkeypatch.setattr(streaming, "HEARTBEAT_INTERVAL", 60.0)
    monkeypatch.setattr(streaming, "REVALIDATE_INTERVAL", 60.0)
    inst = await fed.start("personal.test")
    async with inst.session.get(f"{inst.base}/api/v1/streaming/public") as resp, \
            inst.session.ws_connect(f"{inst.base}/api/v1/streaming?stream=public") as ws:
        await until(lambda: len(inst.app[streaming.OPEN]) == 2)
        await asyncio.wait_for(fed.stop("personal.test"), 5)
        assert await SSE(resp).next() is None
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == aiohttp.WSCloseCode.GOING_AWAY


async def test_mastodon_py_stream_user(fed):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    info = await call(api.instance_v1)
    assert info["urls"]["streaming_api"] == f"ws://{inst.domain}"
    got, arrived = [], threading.Event()

    def on_update(status):
        got.append(status)
        arrived.set()

    listener = CallbackStreamListener(update_handler=on_update)
    handle = await call(api.stream_user, listener, run_async=True)
    try:
        await listening(inst, f"user:{alice.id}")
        st = await statuses.create(inst.state, alice, "seen live", visibility="public")
        assert await asyncio.to_thread(arrived.wait, 5)
        assert got[0]["id"] == st.id and "seen live" in got[0]["content"]
    finally:
        # close() waits for the reader thread, which wakes at the next heartbeat: keep the loop free
        await asyncio.to_thread(handle.close)
    await listening(inst, f"user:{alice.id}", present=False)  # noticed at the next heartbeat


async def test_errors_and_health(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    write_only = await inst.token("alice", "write")
    s, base = inst.session, f"{inst.base}/api/v1/streaming"
    async with s.get(f"{base}/health") as r:
        assert r.status == 200 and await r.text() == "OK"
    for path in ("/user", "/user/notification"):
        async with s.get(base + path) as r:
            assert r.status == 401 and (await r.json())["error"]
    async with s.get(f"{base}/user", headers=bearer(write_only)) as r:
        assert r.status == 403
    async with s.get(f"{base}/public", headers=bearer("not-a-token")) as r:
        assert r.status == 401
    async with s.get(f"{base}/hashtag") as r:
        assert r.status == 400
    async with s.get(f"{base}/list?list=1") as r:
        assert r.status == 401  # lists belong to a signed-in user
    async with s.get(f"{base}/hashtag/local?tag=x") as r:
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


async def test_list_stream_over_websocket(fed):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    ben = await inst.user("ben")
    carol = await inst.user("carol")
    token = await inst.token("ben")
    await follows.follow(inst.state, ben, alice)
    await follows.follow(inst.state, ben, carol)
    list_id = await inst.state.store.lists.create(ben.id, "Work", "list", False)
    await inst.state.store.lists.add_accounts(list_id, [alice.id])
    async with inst.session.ws_connect(f"{inst.base}/api/v1/streaming", protocols=[token]) as ws:
        await ws.send_json({"type": "subscribe", "stream": "list", "list": list_id})
        await listening(inst, f"list:{list_id}")
        await statuses.create(inst.state, carol, "not on the list", visibility="public")
        on_list = await statuses.create(inst.state, alice, "on the list", visibility="public")
        msg = await ws.receive_json(timeout=5)
        assert msg["stream"] == ["list", list_id] and json.loads(msg["payload"])["id"] == on_list.id
        await ws.send_json({"type": "subscribe", "stream": "list", "list": "999"})
        assert (await ws.receive_json(timeout=5))["status"] == 404  # not ben's list


async def test_silenced_authors_stay_off_the_public_streams(fed):
    inst = await fed.start("personal.test")
    loud = await inst.user("loud")
    quiet = await inst.user("quiet")
    await inst.state.store.moderation.set_silenced(quiet.id, True)
    sub = inst.state.events.subscribe(["public", "public:local"])
    try:
        await statuses.create(inst.state, quiet, "nobody should see this live")
        heard = await statuses.create(inst.state, loud, "everyone may see this")
        events = []
        while not sub.queue.empty():
            events.append(sub.queue.get_nowait())
        assert {payload["status_id"] for _, _, payload in events} == {heard.id}
        assert len(events) == 2  # public and public:local, for the unsilenced post only
    finally:
        inst.state.events.unsubscribe(sub)


async def test_websocket_survives_hostile_messages(fed, caplog):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    token = await inst.token("alice")
    async with inst.session.ws_connect(f"{inst.base}/api/v1/streaming", protocols=[token]) as ws:
        for text in ["[" * 50_000 + "]" * 50_000, '{"type": "subscribe", "stream": "hashtag", "tag": {"a": 1}}',
                     '{"type": "subscribe", "stream": ["user"]}', '{"type": "subscribe", "stream": "\\u0000"}',
                     "not json", '{"type": "subscribe", "stream": "list", "list": [1]}', "\ud800".encode(
                         "utf-8", "surrogatepass").decode("latin-1")]:
            await ws.send_str(text)
            reply = await ws.receive_json(timeout=5)
            assert reply["status"] in (400, 404), (text[:40], reply)
        await ws.send_bytes(b"\x00\xff binary")  # ignored
        await ws.send_json({"type": "subscribe", "stream": "public:local"})
        await listening(inst, "public:local")
        post = await statuses.create(inst.state, alice, "still here", visibility="public")
        msg = await ws.receive_json(timeout=5)
        assert json.loads(msg["payload"])["id"] == post.id
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

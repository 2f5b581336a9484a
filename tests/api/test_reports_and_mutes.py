"""Muted threads, reports and the direct stream, through Mastodon.py and raw HTTP/WebSocket."""

import asyncio
import json
import threading

import pytest
from mastodon import CallbackStreamListener
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from fedi.api import streaming
from fedi.services import instance_settings, reports, statuses
from tests.api.conftest import call, client
from tests.harness import wait_for


@pytest.fixture(autouse=True)
def fast_streams(monkeypatch):
    monkeypatch.setattr(streaming, "HEARTBEAT_INTERVAL", 0.3)
    monkeypatch.setattr(streaming, "REVALIDATE_INTERVAL", 0.2)


@pytest.fixture
async def site(fed):
    inst = await fed.start("personal.test")
    inst.accounts = {}
    for name in ("alice", "ben", "carol"):
        inst.accounts[name] = await inst.user(name)
    inst.tokens = {name: await inst.token(name) for name in inst.accounts}
    inst.api = {name: client(inst, token) for name, token in inst.tokens.items()}
    return inst


async def req(inst, method, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.request(method, inst.base + path, headers=headers, **kwargs) as resp:
        return resp.status, await resp.json(content_type=None)


async def kinds(api) -> list[tuple[str, str]]:
    """(type, status id) of the reader's notifications, oldest first."""
    notes = await call(api.notifications)
    return [(n["type"], str(n["status"]["id"]) if n.get("status") else None) for n in notes][::-1]


async def listening(inst, bus_stream: str) -> None:
    async def check():
        return any(bus_stream in c.sub.streams for c in inst.app[streaming.OPEN])
    await wait_for(check)


# --------------------------------------------------------------------------- muted threads

async def test_muting_a_thread_silences_its_notifications(site):
    alice, ben, carol = (site.api[n] for n in ("alice", "ben", "carol"))
    root = await call(alice.status_post, "a thread that will get noisy")
    reply = await call(ben.status_post, "@alice first!", in_reply_to_id=root["id"])
    assert await kinds(alice) == [("mention", str(reply["id"]))]

    muted = await call(alice.status_mute, root["id"])
    assert str(muted["id"]) == str(root["id"]) and muted["muted"] is True
    assert (await call(alice.status, root["id"]))["muted"] is True
    assert (await call(alice.status, reply["id"]))["muted"] is True   # the same thread
    assert (await call(ben.status, root["id"]))["muted"] is False     # only alice muted it

    # Favourites, boosts and replies in the muted thread do not reach alice ...
    await call(ben.status_favourite, root["id"])
    await call(carol.status_reblog, root["id"])
    deeper = await call(carol.status_post, "@alice @ben me too", in_reply_to_id=reply["id"])
    await call(ben.status_favourite, deeper["id"])
    assert await kinds(alice) == [("mention", str(reply["id"]))]
    # ... while the others, who did not mute it, still hear of what happens in it
    assert ("mention", str(deeper["id"])) in await kinds(ben)
    assert ("favourite", str(deeper["id"])) in await kinds(carol)
    # ... but another thread still does
    elsewhere = await call(ben.status_post, "@alice different topic")
    assert (await kinds(alice))[-1] == ("mention", str(elsewhere["id"]))

    unmuted = await call(alice.status_unmute, reply["id"])
    assert unmuted["muted"] is False and (await call(alice.status, root["id"]))["muted"] is False
    await call(carol.status_favourite, root["id"])
    assert (await kinds(alice))[-1] == ("favourite", str(root["id"]))


async def test_only_participants_mute_and_invisible_posts_are_not_found(site):
    alice, ben, carol = (site.api[n] for n in ("alice", "ben", "carol"))
    post = await call(alice.status_post, "hello @ben")
    with pytest.raises(MastodonAPIError) as exc:
        await call(carol.status_mute, post["id"])   # neither its author nor mentioned
    assert exc.value.args[1] == 422
    assert (await call(ben.status_mute, post["id"]))["muted"] is True  # mentioned: may mute
    secret = await call(alice.status_post, "@ben just us", visibility="direct")
    with pytest.raises(MastodonNotFoundError):
        await call(carol.status_mute, secret["id"])
    status, body = await req(site, "POST", f"/api/v1/statuses/{post['id']}/mute",
                             await site.token("alice", "read"))
    assert status == 403 and body["error"]


async def test_a_boost_of_a_muted_post_shows_it_muted(site):
    alice, ben = site.api["alice"], site.api["ben"]
    post = await call(alice.status_post, "boost me")
    boost = await call(ben.status_reblog, post["id"])
    await call(alice.status_mute, post["id"])
    shown = await call(alice.status, boost["id"])
    assert shown["muted"] is True and shown["reblog"]["muted"] is True


# --------------------------------------------------------------------------- reports

async def test_report_a_local_account(site):
    alice, ben = site.api["alice"], site.api["ben"]
    post = await call(ben.status_post, "buy my stuff")
    target_id = site.accounts["ben"].id
    report = await call(alice.report, target_id, status_ids=[post["id"]], comment="spam again",
                        category="spam", forward=True)
    assert report["category"] == "spam" and report["comment"] == "spam again"
    assert report["action_taken"] is False and report["action_taken_at"] is None
    assert report["forwarded"] is False  # ben is local: nothing to forward
    assert [str(i) for i in report["status_ids"]] == [str(post["id"])] and report["rule_ids"] is None
    assert str(report["target_account"]["id"]) == target_id
    assert report["target_account"]["username"] == "ben"
    assert await site.state.store.jobs.due() == 0

    stored = await reports.listing(site.state)
    assert [r["id"] for r in stored] == [str(report["id"])]
    assert stored[0]["account_id"] == site.accounts["alice"].id
    assert stored[0]["target_account_id"] == target_id and stored[0]["status_ids"] == [str(post["id"])]
    assert stored[0]["action_taken"] is False and stored[0]["category"] == "spam"

    # Plain HTTP, the "legal" category and no statuses
    status, body = await req(site, "POST", "/api/v1/reports", site.tokens["carol"],
                             json={"account_id": target_id, "category": "legal"})
    assert status == 200, body
    assert body["category"] == "legal" and body["status_ids"] == [] and body["comment"] == ""
    assert [r["id"] for r in await reports.listing(site.state)] == [body["id"], str(report["id"])]
    assert [r["id"] for r in await reports.listing(site.state, target_account_id="nobody")] == []


async def test_report_validation(site):
    token = site.tokens["alice"]
    ben_id = site.accounts["ben"].id
    bens = await statuses.create(site.state, site.accounts["ben"], "mine")
    carols = await statuses.create(site.state, site.accounts["carol"], "not ben's")
    secret = await statuses.create(site.state, site.accounts["ben"], "@carol hush", visibility="direct")
    cases = [
        ({"account_id": ben_id, "comment": "x" * 1001}, 422, "too long"),
        ({"account_id": ben_id, "category": "nonsense"}, 422, "Category"),
        ({"account_id": ben_id, "rule_ids": ["1"]}, 422, "rules"),
        ({"account_id": ben_id, "category": "violation"}, 422, "rules"),
        ({"account_id": ben_id, "status_ids": [carols.id]}, 404, "Record not found"),
        ({"account_id": ben_id, "status_ids": [secret.id]}, 404, "Record not found"),
        ({"account_id": "12345"}, 404, "Record not found"),
        ({}, 404, "Record not found"),
    ]
    for body, code, message in cases:
        status, answer = await req(site, "POST", "/api/v1/reports", token, json=body)
        assert status == code and message in answer["error"], (body, answer)
    status, _ = await req(site, "POST", "/api/v1/reports", await site.token("alice", "read"),
                          json={"account_id": ben_id})
    assert status == 403
    assert await reports.listing(site.state) == []
    report = await call(site.api["alice"].report, ben_id, status_ids=[bens.id], comment="x" * 1000)
    assert len(report["comment"]) == 1000

    # Once the instance has rules, reports can cite them (and then are about a violation).
    await instance_settings.update(site.state, rules=["Be kind", "No spam"])
    status, cited = await req(site, "POST", "/api/v1/reports", token, json={"account_id": ben_id,
                                                                             "rule_ids": ["2"]})
    assert status == 200 and cited["category"] == "violation" and cited["rule_ids"] == ["2"]
    status, answer = await req(site, "POST", "/api/v1/reports", token,
                               json={"account_id": ben_id, "rule_ids": ["3"]})
    assert status == 422 and "rules" in answer["error"]


# --------------------------------------------------------------------------- the direct stream

async def test_direct_stream_over_websocket(site):
    alice, ben = site.accounts["alice"], site.accounts["ben"]
    url = f"{site.base}/api/v1/streaming?stream=direct&access_token={site.tokens['ben']}"
    async with site.session.ws_connect(url) as ws:
        await listening(site, f"direct:{ben.id}")
        await statuses.create(site.state, alice, "@ben in public, not direct")
        dm = await statuses.create(site.state, alice, "@ben just between us", visibility="direct")
        msg = await ws.receive_json(timeout=5)
        assert msg["stream"] == ["direct"] and msg["event"] == "conversation"
        conv = json.loads(msg["payload"])
        assert conv["id"] == dm.id and conv["unread"] is True
        assert [a["username"] for a in conv["accounts"]] == ["alice"]
        assert conv["last_status"]["id"] == dm.id and conv["last_status"]["visibility"] == "direct"
        status, listed = await req(site, "GET", "/api/v1/conversations", site.tokens["ben"])
        assert status == 200 and listed == [conv]  # the same Conversation the list shows

        reply = await statuses.create(site.state, ben, "@alice sure", visibility="direct", in_reply_to=dm)
        msg = await ws.receive_json(timeout=5)
        conv = json.loads(msg["payload"])
        assert conv["id"] == dm.id and conv["last_status"]["id"] == reply.id
        assert conv["unread"] is False  # ben wrote it


async def test_direct_stream_with_mastodon_py_and_sse_rules(site):
    alice, carol = site.accounts["alice"], site.accounts["carol"]
    got, arrived = [], threading.Event()

    def on_conversation(conversation):
        got.append(conversation)
        arrived.set()

    handle = await call(site.api["carol"].stream_direct, CallbackStreamListener(
        conversation_handler=on_conversation), run_async=True)
    try:
        await listening(site, f"direct:{carol.id}")
        dm = await statuses.create(site.state, alice, "@carol a secret", visibility="direct")
        assert await asyncio.to_thread(arrived.wait, 5)
        assert str(got[0]["id"]) == dm.id and str(got[0]["last_status"]["id"]) == dm.id
        assert [a["acct"] for a in got[0]["accounts"]] == ["alice"]
    finally:
        await asyncio.to_thread(handle.close)

    base = f"{site.base}/api/v1/streaming/direct"
    async with site.session.get(base) as resp:
        assert resp.status == 401
    notifications_only = await site.token("carol", "read:notifications")
    async with site.session.get(base, headers={"Authorization": f"Bearer {notifications_only}"}) as resp:
        assert resp.status == 403

"""Direct-message conversations through Mastodon.py and raw HTTP."""

import re

import pytest
from mastodon.errors import MastodonNotFoundError

from fedi.services import statuses
from tests.api.conftest import call, client


async def req(inst, method, path, token=None, **kwargs):
    """(status, JSON body, headers) of a raw request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.request(method, inst.base + path, headers=headers, **kwargs) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


@pytest.fixture
async def site(fed):
    inst = await fed.start("personal.test")
    inst.accounts = {}
    for name in ("alice", "bob", "carol"):
        await inst.user(name)
        inst.accounts[name] = await inst.state.store.accounts.by_handle(name, None)
    inst.tokens = {name: await inst.token(name) for name in ("alice", "bob", "carol")}
    inst.api = {name: client(inst, token) for name, token in inst.tokens.items()}
    return inst


def people(conv) -> list[str]:
    return sorted(a["username"] for a in conv["accounts"])


async def test_direct_message_for_both_participants(site):
    alice, bob = site.accounts["alice"], site.accounts["bob"]
    dm = await statuses.create(site.state, alice, "@bob psst", visibility="direct")
    await statuses.create(site.state, alice, "hello @bob, in public")
    await statuses.create(site.state, bob, "followers only", visibility="private")

    for name, other, unread in (("alice", "bob", False), ("bob", "alice", True)):
        convs = await call(site.api[name].conversations)
        assert len(convs) == 1, name
        conv = convs[0]
        assert str(conv["id"]) == dm.id and conv["unread"] is unread
        assert people(conv) == [other]
        assert str(conv["last_status"]["id"]) == dm.id
        assert conv["last_status"]["visibility"] == "direct"
    assert await call(site.api["carol"].conversations) == []


async def test_thread_is_grouped_and_sorted(site):
    alice, bob, carol = site.accounts["alice"], site.accounts["bob"], site.accounts["carol"]
    first = await statuses.create(site.state, alice, "@bob lunch?", visibility="direct")
    other = await statuses.create(site.state, carol, "@alice a separate matter", visibility="direct")
    reply = await statuses.create(site.state, bob, "@alice sure, and @carol too?", visibility="direct",
                                  in_reply_to=first)

    convs = await call(site.api["alice"].conversations)
    assert [str(c["id"]) for c in convs] == [first.id, other.id]  # newest last status first
    assert str(convs[0]["last_status"]["id"]) == reply.id
    assert people(convs[0]) == ["bob", "carol"] and people(convs[1]) == ["carol"]
    # carol was only mentioned in the reply: she sees the thread from that status on
    carol_convs = await call(site.api["carol"].conversations)
    assert sorted(str(c["last_status"]["id"]) for c in carol_convs) == sorted([reply.id, other.id])

    status, page, headers = await req(site, "GET", "/api/v1/conversations?limit=1", site.tokens["alice"])
    assert status == 200 and [c["id"] for c in page] == [first.id]
    nxt = re.search(r'<([^>]+)>; rel="next"', headers["Link"]).group(1)
    assert f"max_id={reply.id}" in nxt
    status, page, _ = await req(site, "GET", f"/api/v1/conversations?limit=1&max_id={reply.id}",
                                site.tokens["alice"])
    assert [c["id"] for c in page] == [other.id]
    status, page, _ = await req(site, "GET", f"/api/v1/conversations?min_id={other.id}", site.tokens["alice"])
    assert [c["id"] for c in page] == [first.id]


async def test_read_and_delete(site):
    alice = site.accounts["alice"]
    first = await statuses.create(site.state, alice, "@bob secret", visibility="direct")
    assert (await call(site.api["bob"].conversations))[0]["unread"] is True
    read = await call(site.api["bob"].conversations_read, first.id)
    assert str(read["id"]) == first.id and read["unread"] is False and people(read) == ["alice"]
    with pytest.raises(MastodonNotFoundError):
        await call(site.api["carol"].conversations_read, first.id)

    status, body, _ = await req(site, "DELETE", f"/api/v1/conversations/{first.id}", site.tokens["bob"])
    assert status == 200 and body == {}
    assert await call(site.api["bob"].conversations) == []
    assert len(await call(site.api["alice"].conversations)) == 1  # only bob's list changed

    again = await statuses.create(site.state, alice, "@bob one more thing", visibility="direct",
                                  in_reply_to=first)
    convs = await call(site.api["bob"].conversations)
    assert [str(c["last_status"]["id"]) for c in convs] == [again.id]
    assert convs[0]["unread"] is True  # news after removing it
    status, _, _ = await req(site, "DELETE", "/api/v1/conversations/12345", site.tokens["bob"])
    assert status == 404
    status, _, _ = await req(site, "GET", "/api/v1/conversations")
    assert status == 401


def unread(convs) -> dict[str, bool]:
    return {c["id"]: c["unread"] for c in convs}


async def test_unread_follows_who_wrote_last(site):
    alice, bob, carol = site.accounts["alice"], site.accounts["bob"], site.accounts["carol"]
    first = await statuses.create(site.state, alice, "@bob @carol dinner?", visibility="direct")
    for name, expected in (("alice", False), ("bob", True), ("carol", True)):
        _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens[name])
        assert unread(convs) == {first.id: expected}, name

    status, conv, _ = await req(site, "POST", f"/api/v1/conversations/{first.id}/read",
                                site.tokens["bob"])
    assert status == 200 and conv["id"] == first.id and conv["unread"] is False
    assert conv["last_status"]["id"] == first.id and people(conv) == ["alice", "carol"]
    _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens["bob"])
    assert unread(convs) == {first.id: False}
    _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens["carol"])
    assert unread(convs) == {first.id: True}  # reading is per reader

    # carol answers without reading first: read for her, news for alice and bob
    await statuses.create(site.state, carol, "@alice @bob yes!", visibility="direct",
                          in_reply_to=first)
    for name, expected in (("alice", True), ("bob", True), ("carol", False)):
        _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens[name])
        assert unread(convs) == {first.id: expected}, name

    # a reply that mentions only alice leaves bob's read state alone
    await call(site.api["bob"].conversations_read, first.id)
    await statuses.create(site.state, carol, "@alice just you", visibility="direct",
                          in_reply_to=first)
    _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens["bob"])
    assert unread(convs) == {first.id: False}

    # statuses that are not direct leave conversations alone
    await call(site.api["alice"].conversations_read, first.id)
    await statuses.create(site.state, bob, "@alice in public")
    _, convs, _ = await req(site, "GET", "/api/v1/conversations", site.tokens["alice"])
    assert unread(convs) == {first.id: False}

    status, _, _ = await req(site, "POST", f"/api/v1/conversations/{first.id}/read",
                             await site.token("carol", scopes="read"))
    assert status == 403


async def test_direct_message_from_another_instance_is_unread(fed, site):
    remote = await fed.start("remote.test")
    await remote.user("dora")
    dora = client(remote, await remote.token("dora"))
    sent = await call(dora.status_post, f"@alice@{site.domain} are you there?", visibility="direct")
    await fed.settle()

    convs = await call(site.api["alice"].conversations)
    assert len(convs) == 1 and convs[0]["unread"] is True
    assert [a["acct"] for a in convs[0]["accounts"]] == [f"dora@{remote.domain}"]
    last = convs[0]["last_status"]
    assert last["uri"] == sent["uri"] and last["visibility"] == "direct"
    assert await call(site.api["bob"].conversations) == []

    # alice answers: read for her; over there, news for dora
    await call(site.api["alice"].status_post, f"@dora@{remote.domain} here!", visibility="direct",
               in_reply_to_id=last["id"])
    await fed.settle()
    assert (await call(site.api["alice"].conversations))[0]["unread"] is False
    theirs = await call(dora.conversations)
    assert len(theirs) == 1 and theirs[0]["unread"] is True
    assert [a["acct"] for a in theirs[0]["accounts"]] == [f"alice@{site.domain}"]

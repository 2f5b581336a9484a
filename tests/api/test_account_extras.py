"""Blocks and domain blocks, an account's lists, private notes, and removing profile images,
driven through Mastodon.py."""

import io

import aiohttp
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from fedi.services import follows, remote, statuses
from tests.api.conftest import call, client


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


async def test_blocks_are_listed_newest_first_in_pages(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol", "dan"):
        await inst.user(name)
    alice = client(inst, await inst.token("alice"))
    ids = {}
    for name in ("ben", "carol", "dan"):
        ids[name] = (await call(alice.account_lookup, name))["id"]
        await call(alice.account_block, ids[name])
    first = await call(alice.blocks, limit=2)
    assert [a["username"] for a in first] == ["dan", "carol"]
    rest = await call(alice.fetch_next, first)
    assert [a["username"] for a in rest] == ["ben"]
    await call(alice.account_unblock, ids["carol"])
    assert [a["username"] for a in await call(alice.blocks)] == ["dan", "ben"]
    assert await call(client(inst, await inst.token("ben")).blocks) == []
    async with aiohttp.ClientSession() as s:  # read:blocks is needed
        token = await inst.token("alice", scopes="read:mutes")
        async with s.get(f"{inst.base}/api/v1/blocks", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 403


async def test_lists_containing_an_account(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol"):
        await inst.user(name)
    alice = client(inst, await inst.token("alice"))
    carol = client(inst, await inst.token("carol"))
    ben_id = (await call(alice.account_lookup, "ben"))["id"]
    carol_id = (await call(alice.account_lookup, "carol"))["id"]
    await call(alice.account_follow, ben_id)
    await call(carol.account_follow, ben_id)
    friends = await call(alice.list_create, "Friends")
    work = await call(alice.list_create, "Work")
    await call(alice.list_create, "Empty")
    await call(alice.list_accounts_add, friends["id"], [ben_id])
    await call(alice.list_accounts_add, work["id"], [ben_id])
    theirs = await call(carol.list_create, "Carol's")
    await call(carol.list_accounts_add, theirs["id"], [ben_id])

    found = await call(alice.account_lists, ben_id)
    assert sorted(lst["title"] for lst in found) == ["Friends", "Work"]
    assert {lst["id"] for lst in found} == {friends["id"], work["id"]}
    assert set(found[0]) == {"id", "title", "replies_policy", "exclusive"}
    assert await call(alice.account_lists, carol_id) == []
    assert [lst["title"] for lst in await call(carol.account_lists, ben_id)] == ["Carol's"]
    with pytest.raises(MastodonNotFoundError):
        await call(alice.account_lists, "999999")


async def test_private_notes_about_accounts(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol"):
        await inst.user(name)
    alice = client(inst, await inst.token("alice"))
    carol = client(inst, await inst.token("carol"))
    ben_id = (await call(alice.account_lookup, "ben"))["id"]

    assert (await call(alice.account_relationships, ben_id))[0]["note"] == ""
    rel = await call(alice.account_note_set, ben_id, "met at the <b>conference</b>")
    assert rel["id"] == ben_id and rel["note"] == "met at the <b>conference</b>"
    assert (await call(alice.account_relationships, ben_id))[0]["note"] == "met at the <b>conference</b>"
    assert (await call(carol.account_relationships, ben_id))[0]["note"] == ""  # only for its writer

    rel = await call(alice.account_note_set, ben_id, "x" * 2000)
    assert rel["note"] == "x" * 2000
    with pytest.raises(MastodonAPIError) as too_long:
        await call(alice.account_note_set, ben_id, "x" * 2001)
    assert too_long.value.args[1] == 422
    assert (await call(alice.account_relationships, ben_id))[0]["note"] == "x" * 2000
    assert (await call(alice.account_note_set, ben_id, ""))["note"] == ""
    assert (await call(alice.account_relationships, ben_id))[0]["note"] == ""


async def test_removing_avatar_and_header_federates(fed):
    home = await fed.start("home.test")
    other = await fed.start("other.test")
    alice = await home.user("alice")
    rita = await other.user("rita")
    api = client(home, await home.token("alice"))
    me = await call(api.account_update_credentials, avatar=png(), avatar_mime_type="image/png",
                    header=png(), header_mime_type="image/png")
    assert me["avatar"].startswith(f"{home.base}/media/") and me["header"].startswith(f"{home.base}/media/")
    await follows.follow(other.state, rita, await remote.account_by_uri(other.state, home.actor("alice")))
    await fed.settle()
    seen = await other.state.store.accounts.by_uri(home.actor("alice"))
    assert seen.avatar_url == me["avatar"] and seen.header_url == me["header"]

    after = await call(api.account_delete_avatar)
    assert after["avatar"] == after["avatar_static"] == f"{home.base}/static/avatar.png"
    assert after["header"] == me["header"] and after["source"]["privacy"] == "public"
    _, actor = await home.get_json("/users/alice")
    assert "icon" not in actor and actor["image"]["url"] == me["header"]
    await fed.settle()
    seen = await other.state.store.accounts.by_uri(home.actor("alice"))
    assert seen.avatar_url is None and seen.header_url == me["header"]

    after = await call(api.account_delete_header)
    assert after["header"] == f"{home.base}/static/header.png" and "role" in after
    again = await call(api.account_delete_header)  # nothing left to remove: still fine
    assert again["header"] == after["header"]
    await fed.settle()
    assert (await other.state.store.accounts.by_uri(home.actor("alice"))).header_url is None
    assert (await home.state.store.accounts.get(alice.id)).avatar_url is None


async def test_domain_blocks_are_listed_and_validated(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    alice = client(inst, await inst.token("alice"))
    for domain in ("One.example", "two.example", "https://three.example/@someone", "bücher.example"):
        assert await call(alice.domain_block, domain) is None
    await call(alice.domain_block, "two.example")  # again: no change, no error
    first = await call(alice.domain_blocks, limit=2)
    assert list(first) == ["xn--bcher-kva.example", "three.example"]
    assert list(await call(alice.fetch_next, first)) == ["two.example", "one.example"]
    assert await call(client(inst, await inst.token("ben")).domain_blocks) == []

    for bad in ("", "not a domain", inst.domain, inst.domain.split(":")[0]):
        with pytest.raises(MastodonAPIError) as refused:
            await call(alice.domain_block, bad)
        assert refused.value.args[1] == 422
    await call(alice.domain_unblock, "TWO.example")
    await call(alice.domain_unblock, "never-blocked.example")
    assert list(await call(alice.domain_blocks)) == ["xn--bcher-kva.example", "three.example", "one.example"]


async def test_blocking_a_domain_hides_it_and_ends_follows_with_it(fed):
    home = await fed.start("home.test")
    far = await fed.start("far.test")
    alice, ben = await home.user("alice"), await home.user("ben")
    rita, rob = await far.user("rita"), await far.user("rob")
    api = client(home, await home.token("alice"))
    rob_here = await remote.account_by_uri(home.state, far.actor("rob"))
    alice_there = await remote.account_by_uri(far.state, home.actor("alice"))
    await follows.follow(home.state, alice, rob_here)  # far.test is personal: accepted at once
    await follows.follow(home.state, ben, rob_here)
    await follows.follow(far.state, rita, alice_there)
    await fed.settle()
    rob_api = client(far, await far.token("rob"))
    old = await call(rob_api.status_post, f"before the block #fartag @alice@{home.domain}")
    await fed.settle()
    assert [s["uri"] for s in await call(api.timeline_home)] == [old["uri"]]
    assert [(n["type"], n["account"]["username"]) for n in await call(api.notifications)] == [
        ("mention", "rob"), ("follow", "rita")]
    assert [a["acct"] for a in await call(api.account_followers, alice.id)] == [f"rita@{far.domain}"]

    await call(api.domain_block, far.domain)
    assert list(await call(api.domain_blocks)) == [far.domain]
    rel = (await call(api.account_relationships, rob_here.id))[0]
    assert rel["domain_blocking"] is True and rel["following"] is False and rel["blocking"] is False
    assert (await call(client(home, await home.token("ben")).account_relationships, rob_here.id))[0] \
        ["domain_blocking"] is False
    assert await call(api.account_followers, alice.id) == []
    assert await call(api.account_following, alice.id) == []
    assert await call(api.notifications) == []
    assert await call(api.timeline_home) == []
    assert await call(api.timeline_public) == [] and await call(api.timeline_hashtag, "fartag") == []
    anon = client(home)  # others still see it
    assert [s["uri"] for s in await call(anon.timeline_public)] == [old["uri"]]
    assert [s["uri"] for s in await call(anon.timeline_hashtag, "fartag")] == [old["uri"]]
    await fed.settle()  # the Undo(Follow) and Reject(Follow) reach far.test
    assert await far.state.store.follows.get(rita.id, alice_there.id) is None
    assert await far.state.store.follows.get(alice_there.id, rob.id) is None

    # nothing new from there reaches alice; her followers-only posts no longer go there
    ben_api = client(home, await home.token("ben"))
    await call(api.account_follow, ben.id)
    new = await call(rob_api.status_post, f"after the block @alice@{home.domain}")
    await fed.settle()
    copy = await home.state.store.statuses.by_uri(new["uri"])
    boost = await call(ben_api.status_reblog, copy.id)
    assert await home.state.store.feeds.readers(boost["id"]) == [ben.id]  # not written to alice's feed
    assert await call(api.notifications) == [] and await call(api.timeline_home) == []
    assert [s["uri"] for s in await call(ben_api.timeline_home)][-1] == old["uri"]
    mine = await statuses.create(home.state, alice, "for my followers only", visibility="private")
    await fed.settle()
    assert await far.state.store.statuses.by_uri(mine.uri) is None
    with pytest.raises(MastodonAPIError):  # no new follows of accounts there
        await call(api.account_follow, rob_here.id)
    await follows.follow(far.state, rob, alice_there)  # nor from there
    await fed.settle()
    assert await home.state.store.follows.get(rob_here.id, alice.id) is None
    assert await call(api.notifications) == []

    await call(api.domain_unblock, far.domain)
    assert (await call(api.account_relationships, rob_here.id))[0]["domain_blocking"] is False
    assert [s["uri"] for s in await call(api.timeline_public)] == [new["uri"], old["uri"]]
    # ended follows stay ended
    assert [a["acct"] for a in await call(api.account_following, alice.id)] == ["ben"]
    assert await call(api.account_followers, alice.id) == []

"""Followed and featured hashtags, follow suggestions, endorsements and the link timeline,
through Mastodon.py (and plain HTTP where Mastodon.py has no call)."""

import aiohttp
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from fedi.services import follows, statuses
from tests.api.conftest import call, client


async def _account(inst, username):
    return await inst.state.store.accounts.by_handle(username, None)


async def _home_ids(api) -> list[str]:
    return [str(s["id"]) for s in await call(api.timeline_home, limit=40)]


async def test_following_a_hashtag_brings_its_public_posts_home(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "cleo", "dan"):
        await inst.user(name)
    api = client(inst, await inst.token("alice"))
    alice, ben, cleo, dan = [await _account(inst, n) for n in ("alice", "ben", "cleo", "dan")]

    tag = await call(api.tag, "Gardening")
    assert tag["name"] == "Gardening" and tag["following"] is False and tag["history"] == []
    assert tag["url"] == f"{inst.base}/tags/gardening"
    followed = await call(api.tag_follow, "Gardening")
    assert followed["following"] is True
    assert (await call(api.tag_follow, "gardening"))["following"] is True  # case-insensitive, idempotent
    assert [t["name"] for t in await call(api.followed_tags)] == ["Gardening"]
    assert (await call(api.tag, "GARDENING"))["following"] is True

    subscription = inst.state.events.subscribe([f"user:{alice.id}"], alice.id)
    public = await statuses.create(inst.state, ben, "tomatoes are in #gardening")
    unlisted = await statuses.create(inst.state, ben, "quiet #gardening", visibility="unlisted")
    untagged = await statuses.create(inst.state, ben, "nothing to see")
    await call(api.account_mute, cleo.id)
    muted = await statuses.create(inst.state, cleo, "muted #Gardening")
    await follows.block(inst.state, alice, dan)
    blocked = await statuses.create(inst.state, dan, "blocked #gardening")
    boost = await statuses.reblog(inst.state, cleo, public)

    home = await _home_ids(api)
    assert public.id in home
    assert not {unlisted.id, untagged.id, muted.id, blocked.id, boost.id} & set(home)
    event = subscription.queue.get_nowait()
    assert event == (f"user:{alice.id}", "update", {"status_id": public.id})
    inst.state.events.unsubscribe(subscription)

    # following the author too: the post is in the feed once
    await follows.follow(inst.state, alice, ben)
    both = await statuses.create(inst.state, ben, "more #gardening")
    home = await _home_ids(api)
    assert home.count(both.id) == 1

    # unfollowing the tag takes out what only the tag brought
    await follows.unfollow(inst.state, alice, ben)
    only_tag = await statuses.create(inst.state, ben, "last #gardening")
    assert only_tag.id in await _home_ids(api)
    assert (await call(api.tag_unfollow, "Gardening"))["following"] is False
    assert only_tag.id not in await _home_ids(api)
    assert await call(api.followed_tags) == []
    assert (await call(api.tag, "gardening"))["following"] is False


async def test_unfollowing_a_tag_keeps_posts_of_followed_accounts_and_other_tags(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "cleo"):
        await inst.user(name)
    api = client(inst, await inst.token("alice"))
    alice, ben, cleo = [await _account(inst, n) for n in ("alice", "ben", "cleo")]
    await follows.follow(inst.state, alice, cleo)
    await call(api.tag_follow, "cats")
    await call(api.tag_follow, "dogs")
    pets = await statuses.create(inst.state, ben, "#cats and #dogs")
    cats = await statuses.create(inst.state, ben, "only #cats")
    friend = await statuses.create(inst.state, cleo, "#cats by a friend")
    assert {pets.id, cats.id, friend.id} <= set(await _home_ids(api))
    await call(api.tag_unfollow, "cats")
    home = await _home_ids(api)
    assert pets.id in home and friend.id in home and cats.id not in home
    await call(api.tag_unfollow, "dogs")
    assert await _home_ids(api) == [friend.id]


async def test_followed_tags_paging_and_errors(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    token = await inst.token("alice")
    api = client(inst, token)
    for name in ("one", "two", "three"):
        await call(api.tag_follow, name)
    first = await call(api.followed_tags, limit=2)
    assert [t["name"] for t in first] == ["three", "two"]
    rest = await call(api.fetch_next, first)
    assert [t["name"] for t in rest] == ["one"]
    with pytest.raises(MastodonNotFoundError):
        await call(api.tag_follow, "not a tag")
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{inst.base}/api/v1/tags/python") as r:  # no token: no `following`
            assert r.status == 200 and await r.json() == {
                "name": "python", "url": f"{inst.base}/tags/python", "history": []}
        async with s.get(f"{inst.base}/api/v1/followed_tags") as r:
            assert r.status == 401
        read_only = await inst.token("alice", "read")
        async with s.post(f"{inst.base}/api/v1/tags/python/follow",
                          headers={"Authorization": f"Bearer {read_only}"}) as r:
            assert r.status == 403


async def test_hashtag_post_from_another_instance_reaches_the_tag_follower(fed):
    home = await fed.start("home.test")
    away = await fed.start("away.test")
    await home.user("alice")
    await home.user("carol")
    await away.user("bob")
    alice = client(home, await home.token("alice"))
    carol = client(home, await home.token("carol"))
    # carol follows bob, so his public posts are delivered here; alice only follows the tag
    found = await call(carol.search_v2, f"@bob@{away.domain}", resolve=True, result_type="accounts")
    await call(carol.account_follow, found["accounts"][0]["id"])
    await fed.settle()
    assert (await call(carol.account_relationships, found["accounts"][0]["id"]))[0]["following"] is True
    await call(alice.tag_follow, "fediverse")

    bob = await _account(away, "bob")
    post = await statuses.create(away.state, bob, "hello from away #Fediverse")
    other = await statuses.create(away.state, bob, "hello without a tag")
    await fed.settle()
    timeline = await call(alice.timeline_home)
    assert [s["uri"] for s in timeline] == [post.uri]
    assert timeline[0]["account"]["acct"] == f"bob@{away.domain}"
    assert {s["uri"] for s in await call(carol.timeline_home)} >= {post.uri, other.uri}


async def test_featured_tags(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    api = client(inst, await inst.token("alice"))
    ben_api = client(inst, await inst.token("ben"))
    alice = await _account(inst, "alice")
    await statuses.create(inst.state, alice, "#Python is fun")
    await statuses.create(inst.state, alice, "more #python")
    await statuses.create(inst.state, alice, "secret #python", visibility="private")
    await statuses.create(inst.state, alice, "#rust later")

    suggested = await call(api.featured_tag_suggestions)
    assert [t["name"] for t in suggested] == ["rust", "python"]
    created = await call(api.featured_tag_create, "#Python")
    assert created["name"] == "Python" and created["statuses_count"] in ("2", 2)
    assert created["url"] == f"{inst.base}/@alice/tagged/python"
    assert created["last_status_at"] is not None
    with pytest.raises(MastodonAPIError):  # featured already
        await call(api.featured_tag_create, "python")
    with pytest.raises(MastodonAPIError):
        await call(api.featured_tag_create, "no spaces allowed")
    empty = await call(api.featured_tag_create, "unused")
    assert empty["statuses_count"] in ("0", 0) and empty["last_status_at"] is None
    assert [t["name"] for t in await call(api.featured_tag_suggestions)] == ["rust"]
    assert [t["name"] for t in await call(api.featured_tags)] == ["Python", "unused"]
    assert [t["name"] for t in await call(ben_api.account_featured_tags, alice.id)] == ["Python", "unused"]

    await call(api.featured_tag_delete, empty["id"])
    assert [t["id"] for t in await call(api.featured_tags)] == [created["id"]]
    with pytest.raises(MastodonNotFoundError):
        await call(ben_api.featured_tag_delete, created["id"])  # not ben's
    for n in range(9):
        await call(api.featured_tag_create, f"tag{n}")
    with pytest.raises(MastodonAPIError):  # at most ten
        await call(api.featured_tag_create, "eleventh")
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{inst.base}/api/v1/accounts/{alice.id}/featured_tags") as r:
            raw = await r.json()
            assert r.status == 200 and len(raw) == 10 and raw[0]["statuses_count"] == "2"


async def test_suggestions(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "cleo", "dan", "eve"):
        await inst.user(name)
    alice, ben, cleo, dan, eve = [await _account(inst, n) for n in ("alice", "ben", "cleo", "dan", "eve")]
    api = client(inst, await inst.token("alice"))
    # dan is the most followed; alice follows ben; eve is not discoverable
    await inst.state.store.accounts.update(eve.id, discoverable=False)
    await follows.follow(inst.state, ben, dan)
    await follows.follow(inst.state, cleo, dan)
    await follows.follow(inst.state, ben, cleo)
    await follows.follow(inst.state, alice, ben)

    v2 = await call(api.suggestions_v2)
    assert [s["account"]["username"] for s in v2] == ["dan", "cleo"]
    assert v2[0]["sources"] == ["most_followed", "friends_of_friends"]
    assert v2[0]["source"] == "past_interactions"
    assert [a["username"] for a in await call(api.suggestions_v1)] == ["dan", "cleo"]

    await call(api.account_mute, cleo.id)
    assert [s["account"]["username"] for s in await call(api.suggestions_v2)] == ["dan"]
    await call(api.suggestion_delete, dan.id)
    assert await call(api.suggestions_v2) == []


async def test_endorsements(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "cleo"):
        await inst.user(name)
    alice, ben, cleo = [await _account(inst, n) for n in ("alice", "ben", "cleo")]
    api = client(inst, await inst.token("alice"))
    cleo_api = client(inst, await inst.token("cleo"))
    with pytest.raises(MastodonAPIError) as refused:
        await call(api.account_pin, ben.id)
    assert refused.value.args[1] == 422
    await follows.follow(inst.state, alice, ben)
    rel = await call(api.account_pin, ben.id)
    assert rel["endorsed"] is True and rel["following"] is True
    assert (await call(api.account_relationships, ben.id))[0]["endorsed"] is True
    assert [a["username"] for a in await call(api.endorsements)] == ["ben"]
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{inst.base}/api/v1/accounts/{alice.id}/endorsements") as r:
            assert r.status == 200 and [a["username"] for a in await r.json()] == ["ben"]
        headers = {"Authorization": f"Bearer {await inst.token('alice')}"}
        async with s.get(f"{inst.base}/api/v1/timelines/link", params={"url": "https://example.com/"},
                         headers=headers) as r:
            assert r.status == 200 and await r.json() == []
        async with s.get(f"{inst.base}/api/v1/trends/links") as r:
            assert r.status == 200 and await r.json() == []
    assert (await call(api.account_unpin, ben.id))["endorsed"] is False
    assert await call(api.endorsements) == []

    # an endorsement ends with the follow
    await call(api.account_pin, ben.id)
    await follows.unfollow(inst.state, alice, ben)
    assert await call(api.endorsements) == []
    assert (await call(cleo_api.account_relationships, ben.id))[0]["endorsed"] is False

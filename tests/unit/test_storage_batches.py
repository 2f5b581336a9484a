"""Storage lookups made for whole pages at once: follow requests with their records, follows
among many accounts, followed hashtags among many names, participants of many conversations;
lists of any length bound as one parameter."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.models import Favourite
from tests.unit.test_storage import follow, local_account, remote_account, status, store  # noqa: F401


async def test_requests_page_gives_pending_follows_newest_first(store):  # noqa: F811
    alice, bob, carol, dave = (local_account(n) for n in ("alice", "bob", "carol", "dave"))
    for a in (alice, bob, carol, dave):
        await store.accounts.insert(a)
    first, second = follow(bob, alice, "pending"), follow(carol, alice, "pending")
    for f in (first, second, follow(dave, alice), follow(alice, bob, "pending")):
        await store.follows.insert(f)
    found = await store.follows.requests_page(alice.id)
    assert [(f.id, f.follower_id, f.state) for f in found] == [
        (second.id, carol.id, "pending"), (first.id, bob.id, "pending")]
    assert [f.id for f in await store.follows.requests_page(alice.id, max_id=second.id)] == [first.id]
    assert [f.id for f in await store.follows.requests_page(alice.id, limit=1)] == [second.id]


async def test_followed_among_counts_requests_only_when_asked(store):  # noqa: F811
    alice, bob, carol = local_account("alice"), local_account("bob"), remote_account("carol", "r.test")
    for a in (alice, bob, carol):
        await store.accounts.insert(a)
    await store.follows.insert(follow(alice, bob))
    await store.follows.insert(follow(alice, carol, "pending"))
    ids = [bob.id, carol.id, alice.id]
    assert await store.follows.followed_among(alice.id, ids) == {bob.id}
    assert await store.follows.followed_among(alice.id, ids, requested=True) == {bob.id, carol.id}
    assert await store.follows.followed_among(alice.id, [], requested=True) == set()


async def test_followed_tags_among(store):  # noqa: F811
    alice, bob = local_account("alice"), local_account("bob")
    for a in (alice, bob):
        await store.accounts.insert(a)
    await store.followed_tags.follow(alice.id, "cats", "Cats")
    await store.followed_tags.follow(bob.id, "dogs", "dogs")
    assert await store.followed_tags.among(alice.id, ["cats", "dogs", "cats"]) == {"cats"}
    assert await store.followed_tags.among(alice.id, []) == set()


async def test_participants_of_many_conversations(store):  # noqa: F811
    alice, bob, carol, dave = (local_account(n) for n in ("alice", "bob", "carol", "dave"))
    for a in (alice, bob, carol, dave):
        await store.accounts.insert(a)
    one = status(alice, "direct", mention_ids=[bob.id])
    reply = status(carol, "direct", mention_ids=[alice.id, bob.id], conversation=one.uri)
    other = status(dave, "direct", mention_ids=[alice.id])
    elsewhere = status(bob, "direct", mention_ids=[carol.id])  # alice takes no part in it
    for s in (one, reply, other, elsewhere):
        await store.statuses.insert(s)
    found = await store.conversations.participants_of(alice.id, [one.uri, other.uri, elsewhere.uri])
    assert found == {one.uri: [bob.id, carol.id], other.uri: [dave.id]}
    for key in (one.uri, other.uri):
        assert await store.conversations.participants(alice.id, key) == found[key]
    assert await store.conversations.participants(alice.id, elsewhere.uri) == []
    assert await store.conversations.participants_of(alice.id, []) == {}


async def test_familiar_followers_of_many_targets_in_one_query(store):  # noqa: F811
    viewer, ann, bo, cy, t1, t2 = (local_account(n) for n in ("viewer", "ann", "bo", "cy", "t1", "t2"))
    for a in (viewer, ann, bo, cy, t1, t2):
        await store.accounts.insert(a)
    for f in (follow(viewer, ann), follow(viewer, bo), follow(viewer, cy, "pending"),
              follow(ann, t1), follow(bo, t1), follow(cy, t1), follow(bo, t2), follow(ann, t2, "pending")):
        await store.follows.insert(f)
    found = await store.follows.familiar_followers_of(viewer.id, [t1.id, t2.id, viewer.id])
    assert found == {t1.id: [bo.id, ann.id], t2.id: [bo.id], viewer.id: []}
    for target in (t1, t2):
        assert await store.follows.familiar_followers(viewer.id, target.id) == found[target.id]
    assert await store.follows.familiar_followers_of(viewer.id, [t1.id], limit=1) == {t1.id: [bo.id]}
    assert await store.follows.familiar_followers_of(viewer.id, []) == {}


async def test_the_most_recent_favouriters(store):  # noqa: F811
    author, *fans = (local_account(n) for n in ("author", "f1", "f2", "f3"))
    for a in (author, *fans):
        await store.accounts.insert(a)
    post = status(author)
    await store.statuses.insert(post)
    for n, fan in enumerate(fans):
        await store.database.execute(
            "INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?,?,?,?,?)",
            (f"{n + 1:04d}", fan.id, post.id, f"{fan.uri}#likes/{n}", n))
    ids = [f.id for f in fans]
    assert await store.favourites.accounts_for(post.id) == ids
    assert await store.favourites.accounts_for(post.id, 2) == ids[1:]


async def test_blocks_among_many_accounts_either_way_by_account_or_domain(store):  # noqa: F811
    import time

    from fedi.ids import new_id
    from fedi.models import Block

    alice, bob, carol = local_account("alice"), local_account("bob"), local_account("carol")
    far, near, other = (remote_account("f", "far.test"), remote_account("n", "near.test"),
                        remote_account("o", "other.test"))
    for a in (alice, bob, carol, far, near, other):
        await store.accounts.insert(a)
    everyone = [a.id for a in (alice, bob, carol, far, near, other)]
    # nobody blocks anybody
    assert await store.blocks.among(alice.id, everyone) == set()
    assert await store.blocks.among(far.id, everyone) == set()

    def block(a, b):
        return Block(id=new_id(), account_id=a.id, target_id=b.id, uri=f"{a.uri}#blocks/{b.username}",
                     created_at=time.time())

    await store.blocks.insert(block(alice, bob))  # alice blocks bob
    await store.blocks.insert(block(carol, alice))  # carol blocks alice
    await store.domain_blocks.add(alice.id, "far.test")  # alice blocks far.test
    await store.domain_blocks.add(bob.id, "near.test")  # bob blocks near.test
    assert await store.blocks.among(alice.id, everyone) == {bob.id, carol.id, far.id}
    assert await store.blocks.among(bob.id, everyone) == {alice.id, near.id}
    assert await store.blocks.among(near.id, everyone) == {bob.id}  # its domain is blocked by bob
    assert await store.blocks.among(other.id, everyone) == set()
    assert await store.blocks.among(carol.id, [alice.id, bob.id, alice.id]) == {alice.id}
    assert await store.blocks.among(carol.id, []) == set()

    # One viewer and one author (an account's page): the same blocks, and an accepted follow.
    for viewer in everyone:
        for author in everyone:
            if viewer != author:
                blocked = author in await store.blocks.among(viewer, [author])
                assert blocked == await store.blocks.either_way(viewer, author)
                assert await store.blocks.standing(viewer, author) == (blocked, False)
    await store.follows.insert(follow(other, carol))
    await store.follows.insert(follow(carol, other, "pending"))
    await store.follows.insert(follow(bob, far))
    assert await store.blocks.standing(other.id, carol.id) == (False, True)
    assert await store.blocks.standing(carol.id, other.id) == (False, False)
    assert await store.blocks.standing(bob.id, far.id) == (False, True)
    await store.follows.insert(follow(bob, alice))  # a follow stays while a block stands
    assert await store.blocks.standing(bob.id, alice.id) == (True, True)


async def test_home_audience_is_local_accepted_followers_and_whether_the_author_is_silenced(store):  # noqa: F811
    author, carol, dave, erin = (local_account(n) for n in ("author", "carol", "dave", "erin"))
    remote = remote_account("rita", "r.test")
    for a in (author, carol, dave, erin, remote):
        await store.accounts.insert(a)
    loud = follow(carol, author)
    loud.notify = True
    for f in (loud, follow(dave, author), follow(erin, author, "pending"), follow(remote, author)):
        await store.follows.insert(f)
    followers, silenced = await store.follows.home_audience(author.id)
    assert sorted(followers) == sorted([(carol.id, True), (dave.id, False)]) and silenced is False
    assert await store.moderation.set_silenced(author.id, True)
    followers_now, silenced = await store.follows.home_audience(author.id)
    assert sorted(followers_now) == sorted(followers) and silenced is True
    assert await store.follows.home_audience(erin.id) == ([], False)  # no followers
    assert await store.follows.home_audience("no-such-account") == ([], False)


async def test_a_list_is_one_parameter_whatever_its_length(store):  # noqa: F811
    """Lookups of many ids keep one statement text for any number of ids, so that the
    database's statement cache serves pages of every length (and lists longer than
    SQLite's limit on parameters work)."""
    from tests.api.test_query_counts import counting

    alice = local_account("alice")
    people = [local_account(f"p{i}") for i in range(30)]
    for a in (alice, *people):
        await store.accounts.insert(a)
    posts = [status(people[i % 30]) for i in range(25)]
    for p in posts:
        await store.statuses.insert(p)
    await store.favourites.insert(Favourite(id=new_id(), account_id=alice.id, status_id=posts[3].id,
                                            uri=f"{alice.uri}#likes/1", created_at=time.time()))
    missing = new_id()
    with counting(store) as seen:
        for n in (1, 7, 30):
            wanted = [a.id for a in people[:n]] + [missing]
            assert set(await store.accounts.get_many(wanted)) == set(wanted[:-1])
        for n in (1, 5, 25):
            page = [p.id for p in posts[:n]]
            facts = await store.pages.details(page, alice.id, accounts=[p.account_id for p in posts[:n]])
            assert set(facts.counts) == set(page)
            assert facts.flags["favourited"] == ({posts[3].id} if n > 3 else set())
            assert set(facts.versions) == {p.account_id for p in posts[:n]}
    accounts_texts = {sql for sql in seen if "FROM accounts WHERE id IN" in sql}
    details_texts = {sql for sql in seen if "status_counts" in sql}
    assert len(accounts_texts) == 1 and len(details_texts) == 1, seen
    # Far more ids than SQLite allows parameters in one statement (32,766).
    many = [new_id() for _ in range(40_000)] + [people[0].id]
    assert set(await store.accounts.get_many(many)) == {people[0].id}


async def test_listed_names_keep_their_letters(store):  # noqa: F811
    alice = local_account("alice")
    await store.accounts.insert(alice)
    for name in ("café", 'say"hi', "back\\slash", "日本"):
        await store.followed_tags.follow(alice.id, name, name)
    assert await store.followed_tags.among(alice.id, ["café", 'say"hi', "back\\slash", "日本", "cafe"]) == {
        "café", 'say"hi', "back\\slash", "日本"}


async def test_group_summaries_in_any_order_share_a_statement_text(store):  # noqa: F811
    """Groups are summarised in one statement whose text depends only on how many groups of
    each shape a page has (rounded up): each group's figures are those it has alone."""
    from fedi.ids import id_floor
    from fedi.models import Notification
    from tests.api.test_query_counts import counting

    alice = local_account("alice")
    fans = [local_account(f"fan{i}") for i in range(10)]
    for a in (alice, *fans):
        await store.accounts.insert(a)
    posts = [status(alice) for _ in range(6)]
    for p in posts:
        await store.statuses.insert(p)
    now = time.time()
    for k, post in enumerate(posts):  # post k: k + 1 favourites, from fan0 ... fan k
        for fan in fans[:k + 1]:
            await store.notifications.insert(Notification(
                id=new_id(), account_id=alice.id, type="favourite", from_account_id=fan.id,
                status_id=post.id, created_at=now))
    for fan in fans[:3]:
        await store.notifications.insert(Notification(
            id=new_id(), account_id=alice.id, type="follow", from_account_id=fan.id, created_at=now))
    lo, hi = id_floor(now - 3600), id_floor(now + 3600)
    follows = ("follow", None, lo, hi)
    favourites = [("favourite", p.id, lo, hi) for p in posts]
    alone = {g: (await store.notifications.group_summaries(alice.id, [g]))[0] for g in (follows, *favourites)}
    assert alone[follows]["count"] == 3 and [alone[g]["count"] for g in favourites] == [1, 2, 3, 4, 5, 6]
    assert alone[favourites[2]]["sample_account_ids"] == [f.id for f in fans[:3]][::-1]
    nobody = ("favourite", new_id(), lo, hi)
    with counting(store) as seen:
        for page in ([favourites[4], follows, favourites[0], nobody, favourites[2], favourites[1]],
                     [favourites[5], favourites[3], follows, favourites[0], favourites[4], favourites[1],
                      favourites[2]]):
            found = await store.notifications.group_summaries(alice.id, page)
            assert found == [None if g == nobody else alone[g] for g in page]
    assert len(set(seen)) == 1  # 5 groups with a status and 1 without, then 6 and 1: both as 8 and 1

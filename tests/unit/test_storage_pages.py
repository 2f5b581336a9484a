"""What a page needs besides its records, each in one statement: statuses with the posts they
boost, counts and a reader's flags, a list's entries of the home feed, a thread above and
below a post (also when peers made its replies into a loop)."""

from __future__ import annotations


from fedi.ids import new_id
from fedi.models import Account, Block, Notification, Status
from fedi.storage.interfaces import open_store
from fedi.services import threads
from fedi.services.state import State
from fedi.urls import Urls
from tests.harness import sqlite_before, sqlite_only
from tests.unit.test_storage import follow, local_account, remote_account, status, store  # noqa: F401


async def _accounts(store, *names) -> list[Account]:  # noqa: F811
    made = [local_account(n) for n in names]
    for a in made:
        await store.accounts.insert(a)
    return made


async def _post(store, author: Account, **extra) -> Status:  # noqa: F811
    st = status(author, **extra)
    await store.statuses.insert(st)
    return st


def _reply(author: Account, parent: Status, **extra) -> Status:
    return status(author, in_reply_to_uri=parent.uri, in_reply_to_id=parent.id,
                  in_reply_to_account_id=parent.account_id, **extra)


async def test_statuses_with_the_posts_they_boost(store):  # noqa: F811
    alice, bob = await _accounts(store, "alice", "bob")
    post = await _post(store, alice, mention_ids=[bob.id], tags=["cats"])
    boost = await _post(store, bob, reblog_of_id=post.id)
    plain = await _post(store, bob)
    found = await store.statuses.get_many([boost.id, plain.id, "unknown"], boosted=True)
    assert set(found) == {boost.id, plain.id, post.id}
    assert found[boost.id].boosted.id == post.id and found[boost.id].boosted.tags == ["cats"]
    assert found[boost.id].boosted.mention_ids == [bob.id]
    assert found[plain.id].boosted is None
    assert (await store.statuses.get_many([boost.id]))[boost.id].boosted is None  # only when asked


async def test_counts_and_reader_flags_of_a_page(store):  # noqa: F811
    alice, bob, carol = await _accounts(store, "alice", "bob", "carol")
    one, two, three = [await _post(store, alice) for _ in range(3)]
    await _post(store, bob, reblog_of_id=one.id)
    await _post(store, carol, reblog_of_id=one.id)
    await store.statuses.insert(_reply(bob, one))
    await store.statuses.insert(_reply(carol, two))
    for who, what in ((bob, one), (carol, one), (bob, three)):
        await store.database.execute(
            "INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?,?,?,?,0)",
            (f"{who.id}-{what.id}", who.id, what.id, f"{who.uri}#likes/{what.id}"))
    await store.bookmarks.add(bob.id, two.id)
    await store.pins.add(alice.id, three.id)  # alice's pin: not bob's
    ids = [one.id, two.id, three.id]
    facts = await store.pages.details(ids, bob.id)
    counts, flags = facts.counts, facts.flags
    assert counts == {one.id: (2, 2, 1), two.id: (0, 0, 1), three.id: (0, 1, 0)}
    assert flags == {"favourited": {one.id, three.id}, "reblogged": {one.id}, "bookmarked": {two.id},
                     "muted": set(), "pinned": set()}
    assert facts.with_poll == set() and facts.votes == {} and facts.versions == {}
    none = {"favourited": set(), "reblogged": set(), "bookmarked": set(), "muted": set(), "pinned": set()}
    anonymous = await store.pages.details(ids)  # counts alone
    assert (anonymous.counts, anonymous.flags) == (counts, none)
    empty = await store.pages.details([], bob.id)
    assert (empty.counts, empty.flags, empty.versions) == ({}, none, {})
    await store.conversation_mutes.add(bob.id, two.conversation or two.uri)
    assert (await store.pages.details(ids, bob.id)).flags["muted"] == {two.id}
    assert (await store.pages.details(ids, alice.id)).flags["pinned"] == {three.id}


async def test_polls_votes_and_accounts_of_a_page(store):  # noqa: F811
    alice, bob, carol = await _accounts(store, "alice", "bob", "carol")
    asked, plain = await _post(store, alice), await _post(store, alice)
    await store.polls.put(asked.id, ["tea", "coffee", "water"], multiple=True, expires_at=None)
    await store.polls.add_votes(asked.id, bob.id, [2, 0])
    await _post(store, bob)  # bob's counters: one post
    facts = await store.pages.details([asked.id, plain.id], bob.id, [alice.id, bob.id, "gone", alice.id])
    assert facts.with_poll == {asked.id}
    assert facts.votes == {asked.id: [0, 2]}  # in the order of the options
    assert (await store.pages.details([asked.id], carol.id)).votes == {}
    assert (await store.pages.details([asked.id])).with_poll == {asked.id}  # anonymous readers too
    versions = (await store.accounts.with_stats_since([alice.id, bob.id], {}))[1]
    assert facts.versions == versions  # the accounts that exist, at their versions
    assert facts.stats[bob.id][0] == 1 and facts.stats[alice.id][0] == 2
    only = await store.pages.details([], bob.id, [carol.id])  # accounts alone
    assert set(only.versions) == {carol.id} and only.counts == {} and only.with_poll == set()
    await store.accounts.update(carol.id, display_name="Carol")
    assert (await store.pages.details([], None, [carol.id])).versions[carol.id] > only.versions[carol.id]


async def test_who_of_a_page_blocks_or_is_followed_by_its_reader(store):  # noqa: F811
    reader, blocker, blocked, followed, asked, stranger = await _accounts(
        store, "reader", "blocker", "blocked", "followed", "asked", "stranger")
    far = remote_account("far", "far.example")
    await store.accounts.insert(far)
    for who, whom in ((blocker, reader), (reader, blocked)):
        await store.blocks.insert(Block(id=new_id(), account_id=who.id, target_id=whom.id, uri=f"{who.uri}#b"))
    await store.follows.insert(follow(reader, followed))
    await store.follows.insert(follow(reader, asked, state="pending"))
    post = await _post(store, followed)
    authors = [blocker.id, blocked.id, followed.id, asked.id, stranger.id, far.id]
    candidates = [followed.id, asked.id, stranger.id]

    async def with_details(authors, candidates, ids=(post.id,)):
        # A page's details read the same answer in their own statement, beside the counts.
        facts = await store.pages.details(list(ids), reader.id, [followed.id], audience=(authors, candidates))
        assert set(facts.counts) == set(ids) and set(facts.versions) == {followed.id}
        return facts.blocked, facts.following

    for ask in (store.pages.audience, lambda _, *who: with_details(*who),
                lambda _, *who: with_details(*who, ids=())):
        assert await ask(reader.id, authors, candidates) == ({blocker.id, blocked.id}, {followed.id})
        assert await ask(reader.id, authors, []) == ({blocker.id, blocked.id}, set())
        assert await ask(reader.id, [], []) == (set(), set())
    facts = await store.pages.details([post.id], None, [], audience=(authors, candidates))
    assert facts.blocked == facts.following == set()  # no reader, no audience
    await store.domain_blocks.add(reader.id, "far.example")
    assert far.id in (await store.pages.audience(reader.id, authors, candidates))[0]
    assert far.id in (await with_details(authors, candidates))[0]


async def test_a_notifications_page_with_the_versions_of_its_statuses(store):  # noqa: F811
    reader, ben = await _accounts(store, "reader", "ben")
    one, gone = await _post(store, reader), await _post(store, reader)
    boost = await _post(store, ben, reblog_of_id=one.id)
    made = [Notification(id=new_id(), account_id=reader.id, type=kind, from_account_id=ben.id, status_id=about)
            for kind, about in (("favourite", one.id), ("follow", None), ("reblog", boost.id),
                                ("favourite", gone.id), ("mention", one.id))]
    for n in made:
        await store.notifications.insert(n)
    await store.statuses.delete(gone.id)  # its notification goes with it
    plain = await store.notifications.page(reader.id, limit=10)
    records, versions = await store.notifications.page_versioned(reader.id, limit=10)
    assert records == plain and [n.id for n in records] == [n.id for n in made if n.status_id != gone.id][::-1]
    # The statuses that are still there and the posts they boost, as Statuses.versions says.
    assert versions == await store.statuses.versions([one.id, boost.id, gone.id], boosted=True)
    assert set(versions) == {one.id, boost.id}
    # Filters and paging work as on `page`, with the joined statuses' columns alongside.
    for options in ({"types": ["favourite"]}, {"exclude_types": ["follow", "mention"]},
                    {"from_account_id": ben.id, "limit": 2}, {"max_id": made[4].id, "limit": 2},
                    {"min_id": made[0].id, "limit": 2}):
        page, _ = await store.notifications.page_versioned(reader.id, **options)
        assert page == await store.notifications.page(reader.id, **options), options


async def test_a_home_page_with_the_versions_of_its_statuses(store):  # noqa: F811
    owner, ben = await _accounts(store, "owner", "ben")
    one, two = await _post(store, ben), await _post(store, ben)
    boost = await _post(store, ben, reblog_of_id=one.id)
    for st in (one, two, boost):
        await store.feeds.add(st.id, [owner.id])
    ids, versions = await store.feeds.page_versioned(owner.id)
    assert ids == await store.feeds.page(owner.id) == [boost.id, two.id, one.id]
    assert versions == await store.statuses.versions(ids, boosted=True)
    assert (await store.feeds.page_versioned(owner.id, max_id=boost.id, limit=1))[0] == [two.id]
    assert (await store.feeds.page_versioned(owner.id, min_id=one.id, limit=1))[0] == [two.id]
    assert await store.feeds.page_versioned(ben.id) == ([], {})


async def test_a_list_reads_only_its_members_entries_of_the_feed(store):  # noqa: F811
    owner, ben, dan = await _accounts(store, "owner", "ben", "dan")
    made = [await _post(store, author) for author in (ben, dan, dan, ben, dan, ben)]
    for st in made:
        await store.feeds.add(st.id, [owner.id])
    list_id = "list-1"
    await store.database.execute("INSERT INTO lists (id, account_id, title) VALUES (?,?,?)",
                                 (list_id, owner.id, "Close"))
    await store.database.execute("INSERT INTO list_accounts (list_id, account_id) VALUES (?,?)",
                                 (list_id, ben.id))
    bens = [st.id for st in made if st.account_id == ben.id][::-1]

    async def page(**kw):
        return (await store.feeds.page_by_list(owner.id, list_id, **kw))[0]

    ids, versions = await store.feeds.page_by_list(owner.id, list_id)
    assert ids == bens and versions == await store.statuses.versions(bens, boosted=True)
    assert await page(max_id=bens[0]) == bens[1:]
    assert await page(since_id=bens[-1]) == bens[:-1]
    assert await page(min_id=bens[-1]) == bens[:-1]
    assert await page(min_id=bens[-1], limit=1) == bens[1:2]  # the page right after min_id
    assert await page(limit=2) == bens[:2]
    # Only `scan` feed entries are looked at: the newest two hold one of ben's posts, and
    # the oldest two (after min_id) one too.
    assert await page(scan=2) == bens[:1]
    oldest = [st.id for st in made][0]
    assert await page(min_id=oldest, scan=2) == []  # dan's two posts come first
    assert await page(min_id=oldest, scan=3) == [bens[1]]


async def test_a_list_keeps_replies_as_its_policy_says_and_only_for_its_owner(store):  # noqa: F811
    owner, ben, carol, dan = await _accounts(store, "owner", "ben", "carol", "dan")
    mine, carols, dans, bens = [await _post(store, a) for a in (owner, carol, dan, ben)]
    replies = {}
    for name, parent in (("to_owner", mine), ("to_member", carols), ("to_other", dans), ("to_self", bens)):
        replies[name] = _reply(ben, parent)
        await store.statuses.insert(replies[name])
    for st in (bens, *replies.values()):
        await store.feeds.add(st.id, [owner.id])
    await store.database.execute("INSERT INTO lists (id, account_id, title) VALUES (?,?,?)",
                                 ("list-r", owner.id, "Replies"))
    for member in (ben, carol):
        await store.database.execute("INSERT INTO list_accounts (list_id, account_id) VALUES (?,?)",
                                     ("list-r", member.id))

    async def names(policy: str) -> set[str]:
        await store.database.execute("UPDATE lists SET replies_policy = ? WHERE id = ?", (policy, "list-r"))
        ids, _ = await store.feeds.page_by_list(owner.id, "list-r")
        by_id = {st.id: name for name, st in replies.items()} | {bens.id: "post"}
        return {by_id[i] for i in ids}

    assert await names("list") == {"post", "to_owner", "to_member", "to_self"}
    assert await names("followed") == {"post", "to_owner", "to_member", "to_self", "to_other"}
    assert await names("none") == {"post", "to_owner", "to_self"}
    assert await store.feeds.page_by_list(ben.id, "list-r") == ([], {})  # not ben's list
    assert await store.feeds.page_by_list(owner.id, "no-such-list") == ([], {})


async def test_a_boost_in_the_feed_belongs_to_its_booster_in_a_list(store):  # noqa: F811
    owner, ben, dan = await _accounts(store, "owner", "ben", "dan")
    original = await _post(store, dan)
    boost = await _post(store, ben, reblog_of_id=original.id)
    await store.feeds.add(boost.id, [owner.id])
    await store.database.execute("INSERT INTO lists (id, account_id, title) VALUES (?,?,?)",
                                 ("list-b", owner.id, "Bens"))
    await store.database.execute("INSERT INTO list_accounts (list_id, account_id) VALUES (?,?)",
                                 ("list-b", ben.id))
    assert (await store.feeds.page_by_list(owner.id, "list-b"))[0] == [boost.id]


@sqlite_only
async def test_feed_entries_written_before_they_named_their_authors_learn_them(tmp_path):
    """Migration 0026: entries of an existing feed get their statuses' authors."""
    path = str(tmp_path / "old.sqlite3")
    sqlite_before(path, 26)
    old = await open_store(path, migrate=False)
    try:
        owner, ben = await _accounts(old, "owner", "ben")
        post = await _post(old, ben)
        await old.database.execute("INSERT INTO feeds (account_id, status_id) VALUES (?,?)", (owner.id, post.id))
    finally:
        await old.close()
    migrated = await open_store(path)
    try:
        row = await migrated.database.fetchone("SELECT author_id FROM feeds WHERE status_id = ?", (post.id,))
        assert row[0] == ben.id
    finally:
        await migrated.close()


async def test_a_thread_above_and_below_a_post(store):  # noqa: F811
    alice, bob = await _accounts(store, "alice", "bob")
    state = State(config=None, store=store, urls=Urls("http://local.test"))
    root = await _post(store, alice)
    first = _reply(bob, root)
    await store.statuses.insert(first)
    second = _reply(alice, first)
    await store.statuses.insert(second)
    hidden = _reply(bob, root, visibility="direct")  # not addressed to alice's reader
    await store.statuses.insert(hidden)
    under_hidden = _reply(bob, hidden)
    await store.statuses.insert(under_hidden)
    by_uri = status(bob, in_reply_to_uri=second.uri)  # parent known only by its URI
    await store.statuses.insert(by_uri)
    assert await store.statuses.ancestor_ids(by_uri.id) == [second.id, first.id, root.id]
    up, down = await threads.context(state, by_uri, None)
    assert [s.id for s in up] == [root.id, first.id, second.id]
    up, down = await threads.context(state, root, None)
    assert up == [] and [s.id for s in down] == [first.id, second.id, by_uri.id]


async def test_a_reply_loop_from_peers_ends(store):  # noqa: F811
    """Two remote posts each claiming to answer the other: the thread shows each once."""
    rita = remote_account("rita", "far.test")
    await store.accounts.insert(rita)
    state = State(config=None, store=store, urls=Urls("http://local.test"))
    a = status(rita, in_reply_to_uri="https://far.test/users/rita/statuses/b")
    a.uri = "https://far.test/users/rita/statuses/a"
    b = status(rita, in_reply_to_uri=a.uri)
    b.uri = "https://far.test/users/rita/statuses/b"
    await store.statuses.insert(a)
    await store.statuses.insert(b)
    up, down = await threads.context(state, a, None)
    assert [s.id for s in up] == [b.id] and [s.id for s in down] == [b.id]
    assert len(await store.statuses.ancestor_ids(a.id, 40)) == 40  # the walk is bounded
    assert {s.id for s in await store.statuses.below(a.uri)} == {a.id, b.id}

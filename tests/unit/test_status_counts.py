"""A post's boosts, favourites and replies, kept in status_counts as they change, always equal
to counting them, on both backends; and filled in for the posts of an existing database by
the migration that brings the table."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.models import Favourite
from fedi.storage.interfaces import open_store
from tests.harness import sqlite_before, sqlite_only
from tests.unit.test_storage import remote_account, status, store  # noqa: F401
from tests.unit.test_storage_pages import _accounts, _post, _reply


async def _favourite(store, who, post) -> Favourite:  # noqa: F811
    fav = Favourite(id=new_id(), account_id=who.id, status_id=post.id, uri=f"{who.uri}#likes/{post.id}",
                    created_at=time.time())
    assert await store.favourites.insert(fav)
    return fav


async def _counted(store, posts) -> dict:  # noqa: F811
    """What counting the rows gives, and what status_counts holds, for these posts."""
    db, exact = store.database, {}
    for p in posts:
        exact[p.id] = (
            (await db.fetchone("SELECT count(*) FROM statuses WHERE reblog_of_id = ?", (p.id,)))[0],
            (await db.fetchone("SELECT count(*) FROM favourites WHERE status_id = ?", (p.id,)))[0],
            (await db.fetchone("SELECT count(*) FROM statuses WHERE in_reply_to_uri = ?", (p.uri,)))[0])
    kept = (await store.pages.details([p.id for p in posts])).counts
    return exact, kept


async def test_counts_follow_every_write(store):  # noqa: F811
    alice, bob, carol = await _accounts(store, "alice", "bob", "carol")
    far = remote_account("far", "far.example")
    await store.accounts.insert(far)
    one, two = await _post(store, alice), await _post(store, alice)
    posts = [one, two]

    async def check(expected: dict):
        exact, kept = await _counted(store, posts)
        assert kept == exact == expected

    await check({one.id: (0, 0, 0), two.id: (0, 0, 0)})
    boost = await _post(store, bob, reblog_of_id=one.id)
    await _post(store, far, reblog_of_id=one.id)
    fav = await _favourite(store, bob, one)
    await _favourite(store, far, one)
    await _favourite(store, carol, two)
    reply = _reply(bob, one)
    await store.statuses.insert(reply)
    await store.statuses.insert(_reply(far, one))
    await check({one.id: (2, 2, 2), two.id: (0, 1, 0)})

    # Undone: a boost, a favourite, a reply.
    await store.statuses.delete(boost.id)
    await store.favourites.delete(fav.id)
    await store.statuses.delete(reply.id)
    await check({one.id: (1, 1, 1), two.id: (0, 1, 0)})

    # An account that goes takes its boosts, favourites and replies with it.
    await store.accounts.delete(far.id)
    await check({one.id: (0, 0, 0), two.id: (0, 1, 0)})

    # A reply that arrives before its parent counts once the parent is stored.
    parent = status(carol)
    await store.statuses.insert(_reply(bob, parent))
    await store.statuses.insert(_reply(alice, parent))
    await store.statuses.insert(parent)
    posts.append(parent)
    await check({one.id: (0, 0, 0), two.id: (0, 1, 0), parent.id: (0, 0, 2)})

    # A post that is deleted takes its counts along; nothing else moves.
    await _post(store, carol, reblog_of_id=two.id)
    await store.statuses.delete(two.id)
    posts.remove(two)
    await check({one.id: (0, 0, 0), parent.id: (0, 0, 2)})
    assert (await store.database.fetchone("SELECT count(*) FROM status_counts WHERE status_id = ?",
                                          (two.id,)))[0] == 0


@sqlite_only
async def test_the_migration_counts_what_an_existing_database_holds(tmp_path):
    """Migration 0027: the posts of a database made before it get their counts."""
    path = str(tmp_path / "old.sqlite3")
    sqlite_before(path, 27)
    old = await open_store(path, migrate=False)
    try:
        alice, bob = await _accounts(old, "alice", "bob")
        one, quiet = await _post(old, alice), await _post(old, alice)
        await _post(old, bob, reblog_of_id=one.id)
        await _favourite(old, bob, one)
        await old.statuses.insert(_reply(bob, one))
        await old.statuses.insert(_reply(alice, one))
    finally:
        await old.close()
    migrated = await open_store(path)
    try:
        exact, kept = await _counted(migrated, [one, quiet])
        assert kept == exact == {one.id: (1, 1, 2), quiet.id: (0, 0, 0)}
        assert (await migrated.database.fetchone("SELECT count(*) FROM status_counts"))[0] == 1  # not `quiet`
    finally:
        await migrated.close()

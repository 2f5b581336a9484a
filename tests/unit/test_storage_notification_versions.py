"""Every change to an account's notifications moves their version on (migration 0030),
whoever makes it, cascades included; a token check reads it with the account's version."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.models import Notification
from fedi.storage.interfaces import open_store
from tests.harness import sqlite_before, sqlite_only
from tests.unit.test_storage import local_account, remote_account, status, store  # noqa: F401


def _notification(to, sender, type_: str = "favourite", status_id: str | None = None) -> Notification:
    return Notification(id=new_id(), account_id=to.id, type=type_, from_account_id=sender.id,
                        status_id=status_id, created_at=time.time())


async def _version(store, account) -> int | None:  # noqa: F811
    _, _, version = await store.tokens.lookup_versioned(f"hash-{account.id}")
    return version


async def test_every_change_to_notifications_moves_their_version(store):  # noqa: F811
    alice, bob, ben = local_account("alice"), local_account("bob"), remote_account("ben", "far.test")
    for a in (alice, bob, ben):
        await store.accounts.insert(a)
        await store.tokens.insert(new_id(), a.id, f"hash-{a.id}", "read")
    assert await _version(store, alice) is None  # no notification yet
    seen = []

    async def moved() -> bool:
        seen.append(await _version(store, alice))
        return len(seen) > 1 and seen[-1] > seen[-2]

    post = status(alice)
    await store.statuses.insert(post)
    first = _notification(alice, bob, status_id=post.id)
    assert await store.notifications.insert(first)
    await moved()
    assert seen == [1]
    await store.notifications.insert(_notification(alice, ben, status_id=post.id))
    assert await moved()
    await store.notifications.insert(_notification(bob, alice, "follow"))
    assert not await moved()  # someone else's
    await store.notifications.delete(first.id)
    assert await moved()
    await store.notifications.insert(_notification(alice, bob, "follow"))
    assert await moved()
    assert await store.notifications.clear_from(alice.id, bob.id) == 1
    assert await moved()
    await store.notifications.insert(_notification(alice, ben, "mention", post.id))
    assert await moved()
    assert await store.domain_blocks.clear_notifications(alice.id, "far.test") >= 1
    assert await moved()

    # Cascades: the post a notification is about, or its sender, goes.
    await store.notifications.insert(_notification(alice, bob, status_id=post.id))
    assert await moved()
    await store.statuses.delete(post.id)
    assert await moved()
    assert await store.notifications.page(alice.id) == []
    await store.notifications.insert(_notification(alice, ben, "follow"))
    assert await moved()
    await store.accounts.delete(ben.id)
    assert await moved()
    assert await store.notifications.page(alice.id) == []

    # A group dismissed, and all cleared.
    n = _notification(alice, bob, "follow")
    await store.notifications.insert(n)
    assert await moved()
    assert await store.notifications.delete_group(alice.id, "follow", None, n.id, "9" * 30) == 1
    assert await moved()
    await store.notifications.insert(_notification(alice, bob, "follow"))
    await store.notifications.clear(alice.id)
    assert await moved()
    assert seen == sorted(seen)  # never back

    # The account's own row goes with it.
    await store.accounts.delete(alice.id)
    row = await store.database.fetchone("SELECT count(*) FROM notification_versions WHERE account_id = ?",
                                        (alice.id,))
    assert row[0] == 0


@sqlite_only
async def test_the_migration_gives_existing_notifications_a_version(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    sqlite_before(path, 30)
    old = await open_store(path, migrate=False)
    try:
        alice, bob = local_account("alice"), local_account("bob")
        for a in (alice, bob):
            await old.accounts.insert(a)
            await old.tokens.insert(new_id(), a.id, f"hash-{a.id}", "read")
        await old.notifications.insert(_notification(alice, bob, "follow"))
    finally:
        await old.close()
    migrated = await open_store(path)
    try:
        assert await _version(migrated, alice) == 1
        assert await _version(migrated, bob) is None
        await migrated.notifications.clear(alice.id)
        assert await _version(migrated, alice) == 2
    finally:
        await migrated.close()

"""Every change to an account's keyword filters moves the account's version on (migration
0029), whoever writes it: what a process keeps by that version is then read again."""

from __future__ import annotations

from tests.unit.test_storage import local_account, store  # noqa: F401


async def _version(store, account_id: str) -> int:  # noqa: F811
    return (await store.accounts.with_stats_since([account_id], {}))[1][account_id]


async def test_filter_changes_move_the_account_version(store):  # noqa: F811
    alice, bob = local_account("alice"), local_account("bob")
    for a in (alice, bob):
        await store.accounts.insert(a)
    seen = [await _version(store, alice.id)]

    async def moved() -> bool:
        seen.append(await _version(store, alice.id))
        return seen[-1] > seen[-2]

    filter_id = await store.filters.create(alice.id, "Brief", ["home"], "warn", None)
    assert await moved()
    keyword_id = await store.filters.add_keyword(filter_id, "rumour", True)
    assert await moved()
    await store.filters.update_keyword(keyword_id, "gossip", False)
    assert await moved()
    await store.filters.update(filter_id, title="Short")
    assert await moved()
    await store.filters.delete_keyword(keyword_id)
    assert await moved()
    bobs = await store.filters.create(bob.id, "Bob's", ["home"], "warn", None)
    await store.filters.add_keyword(bobs, "rumour", True)
    assert not await moved()  # someone else's filters
    await store.filters.add_keyword(filter_id, "again", True)
    await store.filters.delete(filter_id)  # its keywords go with it
    assert await moved()
    assert await store.filters.of(alice.id) == []

    # An account that goes takes its filters and keywords with it.
    await store.accounts.delete(bob.id)
    assert await store.filters.of(bob.id) == [] and await store.accounts.get(bob.id) is None

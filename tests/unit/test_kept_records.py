"""Account and status records kept between requests: used only while the database confirms their
version, so that a change made anywhere (this process, another one, a plain SQL statement)
is seen at the next read."""

from __future__ import annotations

import dataclasses

from fedi.config import from_dict
from fedi.services import accounts, reading
from fedi.services.memory import KeptRecords
from fedi.services.state import State
from fedi.urls import Urls
from tests.unit.test_storage import follow, local_account, status, store  # noqa: F401


def _state(store) -> State:  # noqa: F811
    config = from_dict({"instance": {"base_url": "http://local.test"}})
    return State(config=config, store=store, urls=Urls(config.base_url))


async def test_every_change_of_an_account_row_moves_its_version(store):  # noqa: F811
    alice = local_account("alice")
    await store.accounts.insert(alice)
    _, versions, _ = await store.accounts.with_stats_since([alice.id], {})
    first = versions[alice.id]
    await store.database.execute("UPDATE accounts SET display_name = 'A' WHERE id = ?", (alice.id,))
    await store.database.execute("UPDATE accounts SET fetched_at = 1 WHERE id = ?", (alice.id,))
    fresh, versions, _ = await store.accounts.with_stats_since([alice.id], {alice.id: first})
    assert versions[alice.id] == first + 2 and fresh[alice.id].display_name == "A"
    fresh, again, _ = await store.accounts.with_stats_since([alice.id], versions)
    assert fresh == {} and again == versions  # known at this version: not read again


async def test_a_kept_account_is_read_again_once_it_changed(store):  # noqa: F811
    state, other = _state(store), _state(store)  # two processes on one database
    alice, bob = local_account("alice"), local_account("bob")
    for a in (alice, bob):
        await store.accounts.insert(a)
    found, _ = await accounts.many(state, [alice.id, bob.id])
    kept = found[alice.id]
    found, stats = await accounts.many(state, [alice.id, "missing"])
    assert found[alice.id] is kept and set(found) == {alice.id}  # the kept record, no row read
    await store.database.execute("UPDATE accounts SET note = 'changed elsewhere' WHERE id = ?", (alice.id,))
    found, _ = await accounts.many(state, [alice.id])
    assert found[alice.id] is not kept and found[alice.id].note == "changed elsewhere"
    await store.follows.insert(follow(bob, alice))  # counters are always read, never kept
    _, stats = await accounts.many(state, [alice.id])
    assert stats[alice.id][1] == 1
    assert (await accounts.many(other, [alice.id]))[0][alice.id].note == "changed elsewhere"


def test_kept_records_forget_the_oldest_past_their_size():
    kept = KeptRecords(max_items=2)
    kept.put("a", 1, "A")
    kept.put("b", 1, "B")
    kept.put("a", 2, "A2")  # a key already kept does not push another out
    kept.put("c", 1, "C")
    assert kept.get("a") is None and kept.get("b") == (1, "B") and kept.get("c") == (1, "C")


async def test_kept_posts_are_read_again_once_they_changed_and_boosts_follow_their_post(store):  # noqa: F811
    state = _state(store)
    alice, bob = local_account("alice"), local_account("bob")
    for a in (alice, bob):
        await store.accounts.insert(a)
    post = status(alice, content="<p>first</p>", tags=["cats"])
    await store.statuses.insert(post)
    boost = status(bob, reblog_of_id=post.id)
    await store.statuses.insert(boost)
    found = await reading.page_statuses(state, [boost.id])
    assert set(found) == {boost.id, post.id} and found[boost.id].boosted is found[post.id]
    kept = found[post.id]
    again = await reading.page_statuses(state, [boost.id, post.id])
    assert again[post.id] is kept  # confirmed by its version: not read again
    edited = dataclasses.replace(kept, content="<p>second</p>", tags=["dogs"], edited_at=1.0)
    await store.statuses.update_content(edited)  # an edit, in this process or another
    again = await reading.page_statuses(state, [boost.id])
    assert again[post.id] is not kept and again[post.id].content == "<p>second</p>"
    assert again[post.id].tags == ["dogs"] and again[boost.id].boosted is again[post.id]
    await store.statuses.delete(post.id)  # the boost goes with its post (foreign key)
    assert await reading.page_statuses(state, [boost.id, post.id]) == {}

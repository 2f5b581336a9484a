"""account_stats counters follow statuses and follows through their triggers."""

from fedi.config import from_dict
from fedi.services import accounts, follows, statuses
from fedi.services.state import State
from fedi.urls import Urls
from tests.harness import scratch_store


async def test_counters_follow_writes(tmp_path):
    async with scratch_store(tmp_path, "s") as store:
        await _counters_follow_writes(store)


async def _counters_follow_writes(store):
    cfg = from_dict({"instance": {"base_url": "http://a.test:8301", "kind": "professional"}})
    state = State(config=cfg, store=store, urls=Urls(cfg.base_url))
    ann = await accounts.create_local(state, "ann", "ann@a.test", "password123")
    ben = await accounts.create_local(state, "ben", "ben@a.test", "password123")
    assert (await store.accounts.stats([ann.id]))[ann.id] == (0, 0, 0, None)

    first = await statuses.create(state, ann, "one")
    await statuses.create(state, ann, "two")
    count, _, _, last = (await store.accounts.stats([ann.id]))[ann.id]
    assert count == 2 and last is not None
    await statuses.delete(state, ann, first)
    assert (await store.accounts.stats([ann.id]))[ann.id][0] == 1

    await follows.follow(state, ben, ann)  # professional: pending, not counted yet
    assert (await store.accounts.stats([ann.id]))[ann.id][1] == 0
    await follows.accept(state, ann, ben)
    assert (await store.accounts.stats([ann.id, ben.id])) [ann.id][1] == 1
    assert (await store.accounts.stats([ben.id]))[ben.id][2] == 1
    await follows.unfollow(state, ben, ann)
    stats = await store.accounts.stats([ann.id, ben.id])
    assert stats[ann.id][1] == 0 and stats[ben.id][2] == 0

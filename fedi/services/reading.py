"""What a reader may see of statuses: one by its id, or a page of them, for every face.

A boost stands for the post it boosts: it is shown only when the reader may see both, and
acting on it (favouriting, replying, opening it) acts on that post. A page is loaded in a
fixed number of queries whatever its length: the statuses, the posts they boost, and the
visibility lookups for all of them at once.
"""

from __future__ import annotations

from fedi.models import Account, Status
from fedi.services import filters
from fedi.services.errors import NotFound
from fedi.services.state import State
from fedi.services.visibility import can_view, can_view_many

NOT_FOUND = "Record not found"


async def visible_status(state: State, status_id: str, viewer: Account | None, *, unwrap: bool = True) -> Status:
    """The status with this id if the reader may see it (NotFound otherwise); with `unwrap`,
    for a boost, the boosted post, which the reader must be able to see too."""
    store = state.store
    status = await store.statuses.get(str(status_id))
    if status is None or not await can_view(store, status, viewer):
        raise NotFound(NOT_FOUND)
    if unwrap and status.reblog_of_id:
        original = await store.statuses.get(status.reblog_of_id)
        if original is None or not await can_view(store, original, viewer):
            raise NotFound(NOT_FOUND)
        return original
    return status


async def viewable(state: State, ids: list[str], viewer: Account | None) -> list[Status]:
    """The statuses with these ids, in order, that the reader may see (boosts as they are,
    no filters)."""
    found = await state.store.statuses.get_many(ids)
    statuses = [found[i] for i in ids if i in found]
    return [s for s, ok in zip(statuses, await can_view_many(state.store, statuses, viewer)) if ok]


async def visible_statuses(state: State, ids: list[str], viewer: Account | None,
                           context: str = "home") -> list[Status]:
    """The statuses with these ids, in order, that the reader may see (for a boost, the post
    too), minus those the reader's filters hide in this context."""
    store = state.store
    found = await store.statuses.get_many(ids)
    originals = await store.statuses.get_many([s.reblog_of_id for s in found.values() if s.reblog_of_id])
    everything = [*found.values(), *originals.values()]
    seen = {s.id: ok for s, ok in zip(everything, await can_view_many(store, everything, viewer))}
    out, cache = [], {}
    for status_id in ids:
        status = found.get(status_id)
        if status is None or not seen[status.id]:
            continue
        if status.reblog_of_id and not seen.get(status.reblog_of_id, False):
            continue
        if viewer is not None and await filters.hidden(state, viewer.id, status, context, cache):
            continue
        out.append(status)
    return out

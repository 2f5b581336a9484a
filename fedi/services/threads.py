"""A post's thread as one reader sees it: the replies above it and below it."""

from __future__ import annotations

from fedi.activitypub.audience import VISIBILITIES
from fedi.models import Account, Status
from fedi.services.state import State
from fedi.services.visibility import can_view_many

ANCESTORS_LIMIT = 40
DESCENDANTS_LIMIT = 60
BELOW_LIMIT = 1000  # replies loaded below a post to find the shown ones


async def ancestors(state: State, st: Status, viewer: Account | None) -> list[Status]:
    """Visible posts up the reply chain, oldest first; the walk stops at the first hidden one."""
    ids = await state.store.statuses.ancestor_ids(st.id, ANCESTORS_LIMIT)
    found = await state.store.statuses.get_many(ids)
    chain, seen = [], {st.id}
    for status_id in ids:
        parent = found.get(status_id)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        chain.append(parent)
    out = []
    for parent, ok in zip(chain, await can_view_many(state.store, chain, viewer)):
        if not ok:
            break
        out.append(parent)
    return out[::-1]


async def descendants(state: State, st: Status, viewer: Account | None) -> list[Status]:
    """Visible replies, breadth-first below `st` (each post's replies oldest first, at most
    DESCENDANTS_LIMIT of them); a hidden reply hides its own replies too. The replies are
    loaded in one go, up to BELOW_LIMIT of them."""
    below = await state.store.statuses.below(st.uri, visibilities=VISIBILITIES, limit=BELOW_LIMIT)
    shown = {s.id for s, ok in zip(below, await can_view_many(state.store, below, viewer)) if ok}
    children: dict[str, list[Status]] = {}
    for reply in sorted(below, key=lambda s: s.id):
        children.setdefault(reply.in_reply_to_uri, []).append(reply)
    out, seen, queue = [], {st.id}, [st]
    while queue and len(out) < DESCENDANTS_LIMIT:
        current = queue.pop(0)
        for reply in children.get(current.uri, [])[:DESCENDANTS_LIMIT]:
            if reply.id in seen or reply.id not in shown:
                continue
            seen.add(reply.id)
            out.append(reply)
            queue.append(reply)
    return out[:DESCENDANTS_LIMIT]


async def context(state: State, st: Status, viewer: Account | None) -> tuple[list[Status], list[Status]]:
    """(ancestors, descendants) of `st` for `viewer`."""
    return await ancestors(state, st, viewer), await descendants(state, st, viewer)

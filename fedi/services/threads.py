"""A post's thread as one reader sees it: the replies above it and below it."""

from __future__ import annotations

from fedi.activitypub.audience import VISIBILITIES
from fedi.models import Account, Status
from fedi.services.state import State
from fedi.services.visibility import can_view

ANCESTORS_LIMIT = 40
DESCENDANTS_LIMIT = 60


async def _parent(state: State, st: Status) -> Status | None:
    if st.in_reply_to_id:
        return await state.store.statuses.get(st.in_reply_to_id)
    if st.in_reply_to_uri:
        return await state.store.statuses.by_uri(st.in_reply_to_uri)
    return None


async def ancestors(state: State, st: Status, viewer: Account | None) -> list[Status]:
    """Visible posts up the reply chain, oldest first; the walk stops at the first hidden one."""
    out, seen = [], {st.id}
    parent = await _parent(state, st)
    while parent is not None and parent.id not in seen and len(out) < ANCESTORS_LIMIT:
        if not await can_view(state.store, parent, viewer):
            break
        seen.add(parent.id)
        out.append(parent)
        parent = await _parent(state, parent)
    return out[::-1]


async def descendants(state: State, st: Status, viewer: Account | None) -> list[Status]:
    """Visible replies, breadth-first below `st`; a hidden reply hides its own replies too."""
    out, seen, queue = [], {st.id}, [st]
    while queue and len(out) < DESCENDANTS_LIMIT:
        current = queue.pop(0)
        for reply in await state.store.statuses.replies(current.uri, visibilities=VISIBILITIES,
                                                        limit=DESCENDANTS_LIMIT):
            if reply.id in seen or not await can_view(state.store, reply, viewer):
                continue
            seen.add(reply.id)
            out.append(reply)
            queue.append(reply)
    return out[:DESCENDANTS_LIMIT]


async def context(state: State, st: Status, viewer: Account | None) -> tuple[list[Status], list[Status]]:
    """(ancestors, descendants) of `st` for `viewer`."""
    return await ancestors(state, st, viewer), await descendants(state, st, viewer)

"""A reader's own things: read markers, bookmarks, the posts they favourited, the accounts
they mute or block. Shared by the client API and the web pages.

Markers have one rule per way of moving them: a client that sets a marker saves what it
sends (as Mastodon does, back or forth); a page that shows notifications only moves the
marker forward to the newest one shown.
"""

from __future__ import annotations

import time

from fedi.models import Account, Status
from fedi.services.errors import NotFound
from fedi.services.state import State

TIMELINES = ("home", "notifications")


# --------------------------------------------------------------------------- markers

async def markers(state: State, account: Account, timelines: list[str]) -> list[dict]:
    """The reader's markers of these timelines: timeline, last_read_id, version, updated_at."""
    return await state.store.markers.get(account.id, [t for t in timelines if t in TIMELINES])


async def set_marker(state: State, account: Account, timeline: str, last_read_id: str) -> None:
    if timeline in TIMELINES:
        await state.store.markers.set(account.id, timeline, str(last_read_id))


async def notifications_read_up_to(state: State, account_id: str) -> str | None:
    """The id of the newest notification the reader has seen (None: none yet)."""
    rows = await state.store.markers.get(account_id, ["notifications"])
    return rows[0]["last_read_id"] if rows else None


async def unread_notifications(state: State, account_id: str, limit: int) -> int:
    """How many notifications arrived after the marker (counting at most `limit`)."""
    after = await notifications_read_up_to(state, account_id)
    return await state.store.notifications.count_after(account_id, after, limit=limit)


def is_unread(notification_id: str, read_up_to: str | None) -> bool:
    """Whether a notification came after the marker (ids of local rows sort by time as numbers)."""
    return _newer(notification_id, read_up_to)


def _newer(a: str, b: str | None) -> bool:
    """Ids of local rows sort by time as numbers."""
    return b is None or not b.isdigit() or int(a) > int(b)


async def saw_notifications(state: State, account_id: str, newest: str | None) -> str | None:
    """Move the notifications marker forward to `newest` (never back); where it was before."""
    before = await notifications_read_up_to(state, account_id)
    if newest is not None and _newer(newest, before):
        await state.store.markers.set(account_id, "notifications", newest)
    return before


# --------------------------------------------------------------------------- bookmarks, favourites

async def bookmark(state: State, account: Account, status: Status) -> None:
    await state.store.bookmarks.add(account.id, status.id)


async def unbookmark(state: State, account: Account, status: Status) -> None:
    await state.store.bookmarks.remove(account.id, status.id)


async def _statuses(state: State, pairs: list) -> tuple[list[Status], list[str]]:
    """(the statuses still there, the paging keys of every row) for (key, status id) pairs."""
    found = await state.store.statuses.get_many([s for _, s in pairs]) if pairs else {}
    return [found[s] for _, s in pairs if s in found], [k for k, _ in pairs]


async def bookmarked(state: State, account: Account, **paging) -> list[tuple[str, str]]:
    """(paging key, status id) of the reader's bookmarks, newest first."""
    return await state.store.bookmarks.page(account.id, **paging)


async def bookmarks(state: State, account: Account, **paging) -> tuple[list[Status], list[str]]:
    return await _statuses(state, await bookmarked(state, account, **paging))


async def favourites(state: State, account: Account, **paging) -> tuple[list[Status], list[str]]:
    return await _statuses(state, await state.store.favourites.page(account.id, **paging))


# --------------------------------------------------------------------------- mutes and blocks

async def _other(state: State, account: Account, target_id: str) -> Account:
    target = await state.store.accounts.get(target_id)
    if target is None or target.id == account.id:
        raise NotFound("Record not found")
    return target


async def mute(state: State, account: Account, target_id: str, *, notifications: bool = True,
               duration: int = 0) -> Account:
    """Mute an account (for `duration` seconds, 0 for good); the muted account."""
    target = await _other(state, account, target_id)
    await state.store.mutes.add(account.id, target.id, notifications, time.time() + duration if duration else None)
    return target


async def unmute(state: State, account: Account, target_id: str) -> Account:
    target = await _other(state, account, target_id)
    await state.store.mutes.remove(account.id, target.id)
    return target


async def muted(state: State, account: Account, **paging) -> list[tuple[str, str]]:
    """(paging key, account id) of the accounts the reader mutes, newest first."""
    return await state.store.mutes.page(account.id, **paging)


async def blocked(state: State, account: Account, **paging) -> list[tuple[str, str]]:
    """(paging key, account id) of the accounts the reader blocks, newest first."""
    return await state.store.blocks.page(account.id, **paging)

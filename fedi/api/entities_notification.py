"""Notification entities for the Mastodon client API: the notification, its sender and
the status it is about."""

from __future__ import annotations

from fedi.api import entities_status
from fedi.api.entities import STATUS_NOTIFICATIONS, AccountCache, iso
from fedi.models import Account, Notification


async def notification(state, n: Notification, viewer: Account | None,
                       cache: AccountCache | None = None) -> dict | None:
    """A Notification, or None when the account or status it is about is gone."""
    cache = cache or AccountCache(state)
    sender = await cache.entity(n.from_account_id)
    if sender is None:
        return None
    doc = {
        "id": n.id,
        "type": n.type,
        "group_key": f"ungrouped-{n.id}",
        "created_at": iso(n.created_at),
        "account": sender,
    }
    if n.type in STATUS_NOTIFICATIONS or n.status_id:
        st = await state.store.statuses.get(n.status_id) if n.status_id else None
        if st is None:
            return None
        rendered = await entities_status.status(state, st, viewer, cache=cache)
        if rendered is None:
            return None
        doc["status"] = rendered
    return doc


async def notifications(state, items: list[Notification], viewer: Account | None) -> list[dict]:
    """Several notifications; those whose account or status is gone are left out."""
    cache = AccountCache(state)
    await cache.load(n.from_account_id for n in items)
    out = []
    for n in items:
        doc = await notification(state, n, viewer, cache)
        if doc is not None:
            out.append(doc)
    return out

"""Notification entities for the Mastodon client API: the notification, its sender and
the status it is about."""

from __future__ import annotations

from fedi.api import entities_status
from fedi.api.entities import STATUS_NOTIFICATIONS, AccountCache, iso
from fedi.models import Account, Notification


def _shell(n: Notification, sender: dict) -> dict:
    return {
        "id": n.id,
        "type": n.type,
        "group_key": f"ungrouped-{n.id}",
        "created_at": iso(n.created_at),
        "account": sender,
    }


def _about_a_status(n: Notification) -> bool:
    return n.type in STATUS_NOTIFICATIONS or bool(n.status_id)


async def notification(state, n: Notification, viewer: Account | None,
                       cache: AccountCache | None = None) -> dict | None:
    """A Notification, or None when the account or status it is about is gone."""
    return (await notifications(state, [n], viewer, cache) or [None])[0]


async def notifications(state, items: list[Notification], viewer: Account | None,
                        cache: AccountCache | None = None, versions: dict[str, int] | None = None) -> list[dict]:
    """Several notifications; those whose account or status is gone are left out. The
    senders, the statuses and what the reader did with them are loaded for all at once.
    `versions`: of the statuses they are about, when read with them."""
    cache = cache or AccountCache(state)
    wanted = [n.status_id for n in items if n.status_id and _about_a_status(n)]
    rendered = await entities_status.statuses_by_id(state, wanted, viewer, cache=cache, context="notifications",
                                                    also=[n.from_account_id for n in items], versions=versions)
    out = []
    for n in items:
        sender = await cache.entity(n.from_account_id)
        if sender is None:
            continue
        doc = _shell(n, sender)
        if _about_a_status(n):
            doc["status"] = rendered.get(n.status_id) if n.status_id else None
            if doc["status"] is None:
                continue
        out.append(doc)
    return out

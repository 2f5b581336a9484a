"""A reader's notifications one by one (Mastodon's /api/v1/notifications): a page of them,
one of the reader's own, dismissing one or all, and the statuses a page of them is about.
(Grouped notifications are fedi.services.notification_groups.)"""

from __future__ import annotations

from fedi.models import Account, Notification, Status
from fedi.services import reading
from fedi.services.errors import NotFound
from fedi.services.state import State


async def page(state: State, account: Account, *, types=None, exclude_types=None, from_account_id=None,
               **paging) -> list[Notification]:
    """The reader's notifications, newest first, of these types (all when None) but not those
    excluded, and only those from one account when `from_account_id` is given."""
    return await state.store.notifications.page(account.id, types=types, exclude_types=exclude_types,
                                                from_account_id=from_account_id, **paging)


async def page_versioned(state: State, account: Account, **options) -> tuple[list[Notification], dict[str, int]]:
    """`page` (with its options), and the versions of the statuses the notifications are about
    and of the posts those boost, read with it, for rendering (`reading.page_statuses`)."""
    return await state.store.notifications.page_versioned(account.id, **options)


async def own(state: State, account: Account, notification_id: str) -> Notification:
    """One of the reader's own notifications (NotFound for anyone else's)."""
    found = await state.store.notifications.get(notification_id)
    if found is None or found.account_id != account.id:
        raise NotFound("Record not found")
    return found


async def dismiss(state: State, account: Account, notification_id: str) -> None:
    """Delete one of the reader's own notifications (NotFound for anyone else's)."""
    await state.store.notifications.delete((await own(state, account, notification_id)).id)


async def clear(state: State, account: Account) -> None:
    """Delete all of the reader's notifications."""
    await state.store.notifications.clear(account.id)


async def statuses_of(state: State, status_ids) -> list[Status]:
    """The statuses notifications are about, in the order given, those still there: the
    records this process keeps while their versions hold (`reading.page_statuses`)."""
    ids = list(dict.fromkeys(i for i in status_ids if i))
    found = await reading.page_statuses(state, ids) if ids else {}
    return [found[i] for i in ids if i in found]

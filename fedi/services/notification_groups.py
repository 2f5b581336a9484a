"""Grouped notifications, as Mastodon 4.3 serves them on /api/v2/notifications.

Favourites and boosts of one post, follows, and sign-ups that arrive within the same
12-hour bucket share a group key: `favourite-<status id>-<bucket>`, `reblog-<status id>-<bucket>`,
`follow-<bucket>`, `admin.sign_up-<bucket>`, the bucket being the hour since the epoch
(a multiple of 12) in which the bucket starts. Every other notification is a group of its
own, `ungrouped-<notification id>`. Buckets are computed from the notification id (ids
sort by time), so a group is the notifications of one type (and status) in an id range.

A page holds up to `limit` groups: walking the notifications in the requested window
(newest first, or up from `min_id`), the first notification met of each group stands for
it; the figures of each group (count, sample accounts, newest id) then cover the group's
notifications up to the newest one of the page, as on Mastodon.

A page depends on the reader's notifications alone. Each process keeps the pages it made
by the version of those notifications (migration 0030: every change moves it on, whoever
makes it), which the request's token check has just read: a client polling its first page
costs the walk and the figures only when something changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.ids import id_floor, id_time
from fedi.models import Notification
from fedi.services import personal, tokens

GROUPABLE = ("favourite", "reblog", "follow", "admin.sign_up")
STATUS_KEYED = ("favourite", "reblog")
SPAN_HOURS = 12
SAMPLE_ACCOUNTS = 8
FIRST_CHUNK, MAX_CHUNK = 40, 1000  # notifications read per query while walking a page
CURSOR_KEPT = 32  # pages are kept only for cursors up to this long (ids are about 18 digits)


@dataclass(frozen=True)
class Filters:
    """Which notifications a listing looks at (`types[]`, `exclude_types[]`, `account_id`)."""

    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    from_account_id: str | None = None

    def args(self) -> dict:
        return {"types": list(self.types) or None, "exclude_types": list(self.exclude_types) or None,
                "from_account_id": self.from_account_id}


@dataclass(frozen=True)
class GroupRef:
    """What a group key names: one notification, or a type (and status) within a bucket."""

    key: str
    notification_id: str | None = None
    type: str | None = None
    status_id: str | None = None
    bucket: int = 0

    def members(self) -> tuple[str, str | None, str, str]:
        """(type, status id, lowest id, id bound) of the notifications in the group."""
        return (self.type, self.status_id, id_floor(self.bucket * 3600),
                id_floor((self.bucket + SPAN_HOURS) * 3600))


@dataclass(frozen=True)
class Group:
    """Shared by the requests that read its page: nothing may change it (dataclasses.replace)."""

    key: str
    notification: Notification  # the one standing for the group on the page
    count: int
    most_recent_id: str
    sample_account_ids: tuple[str, ...] = ()
    page: tuple[str, str, float] | None = None  # (page_min_id, page_max_id, latest time) when paginated

    @property
    def type(self) -> str:
        return self.notification.type

    @property
    def status_id(self) -> str | None:
        return self.notification.status_id


def grouped_types(requested: list[str]) -> tuple[str, ...]:
    """The types grouped for a request's `grouped_types[]`: all groupable ones when it is empty."""
    if not requested:
        return GROUPABLE
    return tuple(t for t in GROUPABLE if t in requested)


def bucket_of(notification_id: str) -> int:
    hours = int(id_time(notification_id)) // 3600
    return hours - hours % SPAN_HOURS


def group_key(n: Notification, grouped: tuple[str, ...] = GROUPABLE) -> str:
    if n.type in grouped and n.type in GROUPABLE:
        if n.type not in STATUS_KEYED:
            return f"{n.type}-{bucket_of(n.id)}"
        if n.status_id:
            return f"{n.type}-{n.status_id}-{bucket_of(n.id)}"
    return f"ungrouped-{n.id}"


def parse_key(key: str) -> GroupRef | None:
    """The group a key names, or None for a key this server never makes."""
    if key.startswith("ungrouped-"):
        rest = key[len("ungrouped-"):]
        return GroupRef(key, notification_id=rest) if rest.isdigit() else None
    parts = key.split("-")
    type_, numbers = parts[0], parts[1:]
    if type_ not in GROUPABLE or len(numbers) != (2 if type_ in STATUS_KEYED else 1):
        return None
    if not all(x.isdigit() for x in numbers) or int(numbers[-1]) % SPAN_HOURS:
        return None
    return GroupRef(key, type=type_, status_id=numbers[0] if type_ in STATUS_KEYED else None,
                    bucket=int(numbers[-1]))


def _shift(value: str | None, by: int) -> str | None:
    """The id right after (by=1) or before (by=-1) a cursor, for inclusive bounds."""
    if not value or not str(value).isdigit():
        return None
    return str(int(value) + by)


async def _walk(store, account_id: str, filters: Filters, grouped: tuple[str, ...], *, limit: int,
                max_id=None, since_id=None, min_id=None, ascending: bool = False) -> list[Notification]:
    """For up to `limit` groups, the first of their notifications met walking the window
    (down from the newest, or up from `min_id`); returned newest first."""
    seen: dict[str, Notification] = {}
    cursor, chunk = (min_id or "0") if ascending else max_id, max(FIRST_CHUNK, 2 * limit)
    while True:
        if ascending:
            rows = await store.notifications.page(account_id, **filters.args(), max_id=max_id,
                                                  min_id=cursor, limit=chunk)
            rows = rows[::-1]
        else:
            rows = await store.notifications.page(account_id, **filters.args(), max_id=cursor,
                                                  since_id=since_id, limit=chunk)
        for n in rows:
            seen.setdefault(group_key(n, grouped), n)
            if len(seen) >= limit:
                break
        if len(seen) >= limit or len(rows) < chunk:
            break
        cursor, chunk = rows[-1].id, min(2 * chunk, MAX_CHUNK)
    found = list(seen.values())
    return found[::-1] if ascending else found


async def _summarise(store, account_id: str, reps: list[Notification], grouped: tuple[str, ...],
                     filters: Filters, *, paged: bool, lowest: str | None = None,
                     highest: str | None = None) -> list[Group]:
    keys = [group_key(n, grouped) for n in reps]
    refs = {k: parse_key(k) for k in dict.fromkeys(keys) if not k.startswith("ungrouped-")}
    wanted = [k for k in refs if refs[k] is not None]
    found = await store.notifications.group_summaries(
        account_id, [refs[k].members() for k in wanted], lowest=lowest if paged else None,
        highest=highest if paged else None, from_account_id=filters.from_account_id,
        samples=SAMPLE_ACCOUNTS)
    summaries = dict(zip(wanted, found))
    groups = []
    for key, n in zip(keys, reps):
        s = summaries.get(key)
        if s is None:
            page = (n.id, n.id, n.created_at) if paged else None
            groups.append(Group(key, n, 1, n.id, (n.from_account_id,), page))
            continue
        page = (s["page_min_id"] or n.id, s["newest_id"], s["newest_at"]) if paged else None
        groups.append(Group(key, n, s["count"], s["newest_id"], tuple(s["sample_account_ids"]), page))
    return groups


async def page(state, account_id: str, filters: Filters, grouped: tuple[str, ...], *, limit: int,
               max_id=None, since_id=None, min_id=None) -> tuple[Group, ...]:
    """One page of groups, newest first; kept by the reader's notifications' version."""
    version = tokens.confirmed_notifications_version(account_id)
    if any(len(str(c)) > CURSOR_KEPT for c in (max_id, since_id, min_id) if c):
        version = None  # not an id this server gives out: not worth keeping
    key = (account_id, filters, grouped, limit, max_id, since_id, min_id)
    kept = state.notification_pages.get(key) if version is not None else None
    if kept is not None and kept[0] == version:
        return kept[1]
    groups = tuple(await _page(state.store, account_id, filters, grouped, limit=limit, max_id=max_id,
                               since_id=since_id, min_id=min_id))
    if version is not None:  # read after the version: at worst newer than it
        state.notification_pages.put(key, version, groups)
    return groups


async def _page(store, account_id: str, filters: Filters, grouped: tuple[str, ...], *, limit: int,
                max_id=None, since_id=None, min_id=None) -> list[Group]:
    ascending = bool(min_id)
    reps = await _walk(store, account_id, filters, grouped, limit=limit, max_id=max_id,
                       since_id=None if ascending else since_id, min_id=min_id, ascending=ascending)
    if not reps:
        return []
    lowest, highest = reps[-1].id, reps[0].id
    if len(reps) < limit:  # the last page in the walking direction reaches the end of the window
        if ascending:
            highest = _shift(max_id, -1)
        else:
            lowest = _shift(since_id, 1)
    return await _summarise(store, account_id, reps, grouped, filters, paged=True,
                            lowest=lowest, highest=highest)


async def _one(store, account_id: str, ref: GroupRef) -> Notification | None:
    """The newest notification of a group the account holds, or None."""
    if ref.notification_id:
        n = await store.notifications.get(ref.notification_id)
        return n if n is not None and n.account_id == account_id else None
    newest = await store.notifications.in_group(account_id, *ref.members(), limit=1)
    return newest[0] if newest else None


async def get(state, account_id: str, key: str) -> Group | None:
    """A group with its figures over all its notifications; None if the account has no such group."""
    ref = parse_key(key)
    n = await _one(state.store, account_id, ref) if ref else None
    if n is None:
        return None
    if ref.notification_id:
        return Group(key, n, 1, n.id, (n.from_account_id,))
    (group,) = await _summarise(state.store, account_id, [n], GROUPABLE, Filters(), paged=False)
    return group


async def dismiss(state, account_id: str, key: str) -> bool:
    """Delete every notification of the group; False if there was none."""
    store, ref = state.store, parse_key(key)
    n = await _one(store, account_id, ref) if ref else None
    if n is None:
        return False
    if ref.notification_id:
        await store.notifications.delete(n.id)
    else:
        await store.notifications.delete_group(account_id, *ref.members())
    return True


async def members(state, account_id: str, key: str, *, limit: int, max_id=None, since_id=None,
                  min_id=None) -> list[Notification] | None:
    """A page of the group's notifications, newest first; None if the account has no such group."""
    store, ref = state.store, parse_key(key)
    if ref is None:
        return None
    if ref.notification_id:
        n = await _one(store, account_id, ref)
        return [n] if n is not None else None
    found = await store.notifications.in_group(account_id, *ref.members(), max_id=max_id,
                                               since_id=since_id, min_id=min_id, limit=limit)
    if not found and await _one(store, account_id, ref) is None:
        return None
    return found


async def unread_count(state, account_id: str, filters: Filters, *, limit: int,
                       grouped: tuple[str, ...] | None = None) -> int:
    """Notifications (or, with `grouped`, groups) newer than the `notifications` marker,
    counting at most `limit`."""
    store = state.store
    after = await personal.notifications_read_up_to(state, account_id)
    if grouped is None:
        return await store.notifications.count_after(account_id, after, **filters.args(), limit=limit)
    return len(await _walk(store, account_id, filters, grouped, limit=limit, min_id=after, ascending=True))

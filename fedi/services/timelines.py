"""Timelines as every face shows them: which status ids a page holds (home, public, hashtag,
list), and the statuses of that page the reader may see (fedi.services.reading).

A page answers with the ids it looked at as well, so that paging goes on from them whatever
was left out of the page."""

from __future__ import annotations

from fedi.models import Account, Status
from fedi.services import lists, reading
from fedi.services.state import State
from fedi.services.visibility import sees_local_only, visible_to

LIST_SCAN = 400  # home feed entries looked at for one page of a list


async def home(state: State, reader: Account, *, cache: dict | None = None,
               **paging) -> tuple[list[Status], list[str]]:
    """`cache`: the reader's filters, kept for rendering the same page (reading.visible_statuses)."""
    ids, versions = await state.store.feeds.page_versioned(reader.id, **paging)
    return await reading.visible_statuses(state, ids, reader, cache=cache, versions=versions), ids


async def public(state: State, reader: Account | None, *, local: bool | None = None, only_media: bool = False,
                 tag: str | None = None, cache: dict | None = None,
                 **paging) -> tuple[list[Status], list[str]]:
    """The federated (local=None), local (True) or remote (False) timeline, or a hashtag's."""
    ids = await state.store.timelines.public(local=local, only_media=only_media, tag=tag,
                                             with_local_only=sees_local_only(reader), **paging)
    return await reading.visible_statuses(state, ids, reader, "public", cache=cache), ids


async def account_ids(state: State, reader: Account | None, target: Account, *, pinned: bool = False,
                      exclude_replies: bool = False, exclude_reblogs: bool = False, only_media: bool = False,
                      tagged: str | None = None, limit: int | None = 20, **paging) -> list[str]:
    """The ids of the target's statuses the reader may list, newest first (or its pinned
    ones, in pinning order); the statuses themselves still pass `reading`."""
    store = state.store
    if pinned:
        ids = await store.pins.list(target.id)
        return ids[:limit] if limit else ids
    shown = await visible_to(store, target, reader)
    if not shown:
        return []
    return await store.timelines.account(target.id, shown, exclude_replies=exclude_replies,
                                         exclude_reblogs=exclude_reblogs, only_media=only_media, tag=tagged,
                                         limit=limit or 20, **paging)


def _in_list(st: Status, owner: Account, members: set[str], replies_policy: str) -> bool:
    """A member's post or boost; replies as the list's replies_policy says (as Mastodon:
    replies to the list's owner always, to members with `list`, to anyone with `followed`)."""
    if st.account_id not in members:
        return False
    to = st.in_reply_to_account_id
    if st.reblog_of_id or to is None or to in (st.account_id, owner.id):
        return True
    return replies_policy == "followed" or (replies_policy == "list" and to in members)


async def of_list(state: State, owner: Account, list_id: str, *, max_id=None, since_id=None, min_id=None,
                  limit: int = 20, cache: dict | None = None) -> list[Status]:
    """A page of one of the owner's lists: the owner's home feed (members are followed) kept to
    the list's members, looking at up to LIST_SCAN feed entries."""
    row, members = await lists.with_member_ids(state, owner, list_id)
    ids = await state.store.feeds.page_by_list(owner.id, row["id"], max_id=max_id, since_id=since_id,
                                               min_id=min_id, scan=LIST_SCAN)
    ascending = bool(min_id and not since_id)
    ids = ids[::-1] if ascending else ids
    # The entries are the members' already: most of them make the page. A few more than a
    # page first, then larger steps while replies the list leaves out keep it short.
    picked, start, chunk = [], 0, limit + max(limit // 4, 2)
    while start < len(ids) and len(picked) < limit:
        for status in await reading.visible_statuses(state, ids[start:start + chunk], owner, cache=cache):
            if _in_list(status, owner, members, row["replies_policy"]):
                picked.append(status)
        start, chunk = start + chunk, max(2 * limit, 40)
    picked = picked[:limit]
    return picked[::-1] if ascending else picked

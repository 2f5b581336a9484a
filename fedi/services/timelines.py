"""Timelines as every face shows them: which status ids a page holds (home, public, hashtag,
list), and the statuses of that page the reader may see (fedi.services.reading).

A page answers with the ids it looked at as well, so that paging goes on from them whatever
was left out of the page."""

from __future__ import annotations

from fedi.models import Account, Status
from fedi.services import lists, reading
from fedi.services.state import State
from fedi.services.visibility import sees_local_only, visible_to

LIST_SCAN = 400  # home feed entries looked at for one step of a list's page
LIST_STEPS = 3  # steps for one page, while the list's rules leave it short


async def home(state: State, reader: Account, *, cache: dict | None = None,
               details: reading.PageDetails | None = None, **paging) -> tuple[list[Status], list[str]]:
    """`cache`: the reader's filters, and `details` the page's details, kept for rendering the
    same page (reading.visible_statuses)."""
    ids, versions = await state.store.feeds.page_versioned(reader.id, **paging)
    return await reading.visible_statuses(state, ids, reader, cache=cache, versions=versions, details=details), ids


async def public(state: State, reader: Account | None, *, local: bool | None = None, only_media: bool = False,
                 tag: str | None = None, cache: dict | None = None, details: reading.PageDetails | None = None,
                 **paging) -> tuple[list[Status], list[str]]:
    """The federated (local=None), local (True) or remote (False) timeline, or a hashtag's."""
    ids, versions = await state.store.timelines.public(local=local, only_media=only_media, tag=tag,
                                                       with_local_only=sees_local_only(reader), **paging)
    return await reading.visible_statuses(state, ids, reader, "public", cache=cache, versions=versions,
                                          details=details), ids


async def account_ids(state: State, reader: Account | None, target: Account, *, pinned: bool = False,
                      exclude_replies: bool = False, exclude_reblogs: bool = False, only_media: bool = False,
                      tagged: str | None = None, limit: int | None = 20, **paging) -> list[str]:
    """The ids of the target's statuses the reader may list, newest first (or its pinned
    ones, in pinning order); the statuses themselves still pass `reading`."""
    return (await _account_page(state, reader, target, pinned=pinned, exclude_replies=exclude_replies,
                                exclude_reblogs=exclude_reblogs, only_media=only_media, tagged=tagged,
                                limit=limit, **paging))[0]


async def account(state: State, reader: Account | None, target: Account, *,
                  details: reading.PageDetails | None = None, **options) -> tuple[list[Status], list[str]]:
    """A page of the target's statuses (`account_ids`'s options) as the reader may see them
    (reading.viewable, `details` as reading.visible_statuses takes them), and the ids it
    looked at."""
    ids, versions = await _account_page(state, reader, target, **options)
    return await reading.viewable(state, ids, reader, versions=versions, details=details), ids


async def _account_page(state: State, reader: Account | None, target: Account, *, pinned: bool = False,
                        exclude_replies: bool = False, exclude_reblogs: bool = False, only_media: bool = False,
                        tagged: str | None = None, limit: int | None = 20,
                        **paging) -> tuple[list[str], dict[str, int] | None]:
    store = state.store
    if pinned:
        ids = await store.pins.list(target.id)
        return (ids[:limit] if limit else ids), None
    shown = await visible_to(store, target, reader)
    if not shown:
        return [], {}
    return await store.timelines.account(target.id, shown, exclude_replies=exclude_replies,
                                         exclude_reblogs=exclude_reblogs, only_media=only_media, tag=tagged,
                                         limit=limit or 20, **paging)


async def of_list(state: State, owner: Account, list_id: str, *, max_id=None, since_id=None, min_id=None,
                  limit: int = 20, cache: dict | None = None, details: reading.PageDetails | None = None
                  ) -> list[Status]:
    """A page of one of the owner's lists: the owner's home feed (members are followed) kept to
    the list's members' entries and the replies its replies_policy lets in, looking at up to
    LIST_SCAN feed entries per step (NotFound for anyone else's list)."""
    ascending = bool(min_id and not since_id)
    window = {"max_id": max_id, "since_id": since_id, "min_id": min_id}
    # Most entries make the page: a few more than a page first (for posts the reader may not
    # see), then larger steps.
    picked: list[Status] = []
    chunk = limit + max(limit // 4, 2)
    for step in range(LIST_STEPS):
        ids, versions = await state.store.feeds.page_by_list(owner.id, list_id, limit=chunk, scan=LIST_SCAN,
                                                             **window)
        if step == 0 and not ids:
            await lists.own(state, owner, list_id)  # an empty page, or someone else's list
        ids = ids[::-1] if ascending else ids  # in paging order
        picked += await reading.visible_statuses(state, ids, owner, cache=cache, versions=versions,
                                                 details=details)
        if len(picked) >= limit or len(ids) < chunk:
            break
        window[("min_id" if ascending else "max_id")] = ids[-1]
        chunk = max(2 * limit, 40)
    picked = picked[:limit]
    return picked[::-1] if ascending else picked

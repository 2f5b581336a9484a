"""Status entities for the Mastodon client API, with their MediaAttachment, Mention, Tag
and Poll parts."""

from __future__ import annotations

import time

from fedi import SOFTWARE_NAME
from fedi.activitypub.html import html_to_text
from fedi.api.entities import ALL_VISIBILITIES, AccountCache, acct, iso
from fedi.api.entities_filter import filter_results
from fedi.models import Account, Status
from fedi.services import filters, polls, reading

PINNABLE = ("public", "unlisted", "private", "local")
# The visibilities a Status reports; anything else shows as followers-only.
VISIBILITIES = (*ALL_VISIBILITIES, "local")
MEDIA_KINDS = ("image", "video", "audio")
AS_MEDIA_TYPES = {"Image": "image", "Video": "video", "Audio": "audio"}
# Replies are counted by loading them (there is no count query yet); this caps that.
REPLIES_COUNT_LIMIT = 1000


def media_kind(att: dict) -> str:
    """image | video | audio | unknown, from the media type (or the ActivityStreams type)."""
    major = str(att.get("mediaType") or "").lower().split("/")[0]
    if major in MEDIA_KINDS:
        return major
    return AS_MEDIA_TYPES.get(att.get("type"), "unknown")


def media_attachment(st: Status, att: dict, index: int) -> dict:
    url = att.get("url")
    kind = media_kind(att)
    meta = att.get("meta")
    return {
        "id": str(att.get("id") or f"{st.id}-{index}"),
        "type": kind,
        "url": url,
        "preview_url": att.get("preview_url") or (url if kind == "image" else None),
        "remote_url": None if st.local else url,
        "meta": meta if isinstance(meta, dict) else None,
        "description": att.get("description") or att.get("name") or None,
        "blurhash": att.get("blurhash") or None,
    }


def mention(acc: Account) -> dict:
    return {"id": acc.id, "username": acc.username, "url": acc.url or acc.uri, "acct": acct(acc)}


def status_tag(state, name: str) -> dict:
    return {"name": name, "url": state.urls.tag(name)}



def poll(st: Status, poll: dict, viewer: Account | None, own_votes: list[int] | None) -> dict:
    """A Poll as `viewer` sees it; `own_votes` are the viewer's choices (None: anonymous)."""
    expired = polls.expired(poll, time.time())
    counts = list(poll["counts"]) + [0] * (len(poll["options"]) - len(poll["counts"]))
    hidden = poll["hide_totals"] and not expired and (viewer is None or viewer.id != st.account_id)
    doc = {
        "id": st.id,
        "expires_at": iso(poll["expires_at"]),
        "expired": expired,
        "multiple": poll["multiple"],
        "votes_count": sum(counts),
        "voters_count": poll["voters_count"],
        "options": [{"title": title, "votes_count": None if hidden else counts[i]}
                    for i, title in enumerate(poll["options"])],
        "emojis": [],
    }
    if viewer is not None:
        doc["voted"] = bool(own_votes) or viewer.id == st.account_id
        doc["own_votes"] = list(own_votes or [])
    return doc

class _Renderer:
    """Renders statuses for one reader, sharing account lookups and the reader's pins."""

    def __init__(self, state, viewer: Account | None, cache: AccountCache | None = None,
                 context: str = "home", filter_cache: dict | None = None,
                 details: reading.PageDetails | None = None):
        self.state = state
        self.viewer = viewer
        self.cache = cache or AccountCache(state)
        self.originals: dict[str, Status | None] = {}
        self._filters_apply: bool | None = None  # whether any of the reader's filters applies here
        self.context = context  # the filter context (home, notifications, public, thread, account)
        self.filter_cache: dict = {} if filter_cache is None else filter_cache
        # Per-page counts, polls and reader flags, fetched in a few queries for all posts
        # (some perhaps with the page itself: reading.visible_statuses).
        self.details = reading.PageDetails() if details is None else details

    async def load(self, items: list[Status], also: list[str] = ()) -> None:
        """What rendering these statuses needs, in a fixed number of queries; `also`: more
        accounts to load with their people."""
        for st in items:
            if st.boosted is not None:
                self.originals.setdefault(st.reblog_of_id, st.boosted)
        wanted = [st.reblog_of_id for st in items if st.reblog_of_id and st.reblog_of_id not in self.originals]
        if wanted:
            self.originals.update(await reading.statuses_by_id(self.state, wanted))
        every = [*items, *(o for o in self.originals.values() if o is not None)]
        people = self.cache.missing(
            [*also, *(st.account_id for st in every), *(m for st in every for m in (st.mention_ids or []))])
        posts = [st for st in every if not st.reblog_of_id and st.id not in self.details.counts]
        details = self.details
        unread = [p for p in people if p not in details.people_asked]
        if posts or unread:  # the posts' details and the people's versions in one statement
            await details.add(self.state, posts, self.viewer, unread)
        if people:
            await self.cache.adopt(people, {p: details.people[p] for p in people if p in details.people},
                                   details.people_stats)

    async def _load_details(self, posts: list[Status]) -> None:
        counted = self.details.counts
        if any(st.id not in counted for st in posts):
            await self.details.add(self.state, posts, self.viewer)

    async def original(self, status_id: str) -> Status | None:
        if status_id not in self.originals:
            self.originals.update(await reading.statuses_by_id(self.state, [status_id]))
        return self.originals[status_id]

    async def render(self, st: Status, *, source_requested: bool = False) -> dict | None:
        author = await self.cache.entity(st.account_id)
        if author is None:
            return None
        if st.reblog_of_id:
            original = await self.original(st.reblog_of_id)
            inner = await self.render(original) if original and not original.reblog_of_id else None
            if inner is None:
                return None
            doc = self._base(st, author, reblog=inner)
            if self.viewer is not None:
                doc.update(self._flags_of(inner))
            return doc
        doc = await self._full(st, author, source_requested)
        if self.viewer is not None:
            doc.update(await self._viewer_flags(st))
        return doc

    def _base(self, st: Status, author: dict | None, *, reblog: dict | None) -> dict:
        """The fields of a boost wrapper; a post fills in the rest."""
        return {
            "id": st.id,
            "uri": st.uri,
            "url": st.url,
            "created_at": iso(st.published),
            "account": author,
            "content": "",
            "visibility": st.visibility if st.visibility in VISIBILITIES else "private",
            "local_only": st.visibility == "local",
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog": reblog,
            "poll": None,
            "card": None,
            "language": None,
            "text": None,
            "edited_at": None,
        }

    def _fixed(self, st: Status) -> dict:
        """What a post shows that only its own record decides, kept per process with the
        record (a kept record is replaced, never changed, when the post changes). Shared:
        each rendering copies it, and nothing may change its parts in place."""
        kept_entities, kept_records = self.state.status_entities, self.state.status_records
        kept = kept_entities.get(st.id)
        if kept is not None and kept[0] is st:
            return kept[1]
        doc = self._base(st, None, reblog=None)  # the author is filled in on each rendering
        doc.update({
            "content": st.content,
            "sensitive": bool(st.sensitive),
            "spoiler_text": st.summary or "",
            "media_attachments": [media_attachment(st, a, i) for i, a in enumerate(st.attachments or [])
                                  if isinstance(a, dict)],
            "tags": [status_tag(self.state, t) for t in (st.tags or [])],
            "in_reply_to_id": st.in_reply_to_id,
            "in_reply_to_account_id": st.in_reply_to_account_id,
            "language": st.language,
            "edited_at": iso(st.edited_at),
        })
        if st.local:
            doc["application"] = {"name": SOFTWARE_NAME, "website": None}
        record = kept_records.get(st.id)
        if record is not None and record[1] is st:  # only records that others will use again
            kept_entities.put(st.id, st, doc)
        return doc

    async def _full(self, st: Status, author: dict, source_requested: bool) -> dict:
        await self._load_details([st])
        counts = self.details.counts[st.id]
        doc = dict(self._fixed(st))
        doc["account"] = author
        if st.mention_ids:
            mentioned = [await self.cache.get(m) for m in st.mention_ids]
            doc["mentions"] = [mention(a) for a in mentioned if a is not None]
        doc["reblogs_count"], doc["favourites_count"], doc["replies_count"] = counts
        if st.id in self.details.polls:
            doc["poll"] = poll(st, self.details.polls[st.id], self.viewer, self.details.own_votes.get(st.id))
        if source_requested:
            doc["text"] = st.source if st.source is not None else html_to_text(st.content)
        return doc

    async def _viewer_flags(self, st: Status) -> dict:
        viewer = self.viewer
        await self._load_details([st])
        favourited, reblogged, bookmarked = self.details.flags[st.id]
        flags = {
            "favourited": favourited,
            "reblogged": reblogged,
            "muted": st.id in self.details.muted,
            "bookmarked": bookmarked,
            "filtered": filter_results(
                await filters.matching(self.state, viewer.id, st, self.context, self.filter_cache))
            if await self._filtering() else [],
        }
        if st.account_id == viewer.id and st.visibility in PINNABLE:
            flags["pinned"] = st.id in self.details.pinned
        return flags

    async def _filtering(self) -> bool:
        if self._filters_apply is None:
            self._filters_apply = await filters.any_apply(self.state, self.viewer.id, self.context,
                                                          self.filter_cache)
        return self._filters_apply

    @staticmethod
    def _flags_of(inner: dict) -> dict:
        """A boost wrapper shows the reader's relation to the boosted post (never `pinned`)."""
        return {k: inner[k] for k in ("favourited", "reblogged", "muted", "bookmarked", "filtered")}


async def status(state, st: Status, viewer: Account | None, *, source_requested: bool = False,
                 cache: AccountCache | None = None, context: str = "home") -> dict | None:
    """A Status as `viewer` sees it (None: anonymous). None if its author, or the post a
    boost points at, is gone. `source_requested` fills `text` with the plain source."""
    renderer = _Renderer(state, viewer, cache, context)
    await renderer.load([st])
    return await renderer.render(st, source_requested=source_requested)


async def statuses(state, items: list[Status], viewer: Account | None, *,
                   context: str = "home", cache: AccountCache | None = None,
                   filter_cache: dict | None = None, also: list[str] = (),
                   details: reading.PageDetails | None = None) -> list[dict]:
    """Several statuses in order, sharing lookups (and `cache`'s accounts, when given, and the
    reader's filters in `filter_cache` and the page's `details`, as reading the page kept
    them); those that cannot be rendered are left out. `also`: more accounts the caller will
    render, loaded with the statuses' people."""
    renderer = _Renderer(state, viewer, cache, context=context, filter_cache=filter_cache, details=details)
    await renderer.load(items, also=also)
    out = []
    for st in items:
        doc = await renderer.render(st)
        if doc is not None:
            out.append(doc)
    return out


async def statuses_by_id(state, ids: list[str], viewer: Account | None, *,
                         cache: AccountCache | None = None, context: str = "home",
                         also: list[str] = (), versions: dict[str, int] | None = None) -> dict[str, dict]:
    """The statuses with these ids rendered for `viewer`, by id, sharing lookups (those gone
    or that cannot be rendered are missing). No visibility check: for what was checked.
    `also`: more accounts the caller will render, loaded with the statuses' people.
    `versions`: as reading.page_statuses takes them."""
    ids = list(dict.fromkeys(ids))
    kept = await reading.page_statuses(state, ids, versions)  # the records this process keeps, if current
    found = {i: kept[i] for i in ids if i in kept}
    renderer = _Renderer(state, viewer, cache, context=context)
    await renderer.load(list(found.values()), also=also)
    out = {}
    for status_id, st in found.items():
        doc = await renderer.render(st)
        if doc is not None:
            out[status_id] = doc
    return out

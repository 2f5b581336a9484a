"""Keeping copies of remote notes: storing one whose origin was checked, and finding a
status by its URI, fetched from its server when it is not known yet."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fedi.activitypub.audience import visibility_of
from fedi.activitypub.parse import first_type, host_of, id_of, note_fields, same_origin
from fedi.activitypub.vocab import NOTE_TYPES
from fedi.ids import new_id
from fedi.models import Account, Status
from fedi.services import polls, remote
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.services.state import State
from fedi.storage.errors import Conflict as Taken


ID_ATTEMPTS = 8
# What a caller writes because of a note, in the transaction that stores it: (tx, the
# status, whether it was stored now).
Then = Callable[[Any, Status, bool], Awaitable[None]]


class NotUsable(ServiceError):
    """A document that cannot be kept as a note (e.g. attributed to an actor elsewhere)."""


async def ingest(state: State, doc: dict, author: Account | None, *,
                 then: Then | None = None) -> tuple[Status | None, bool]:
    """(status, True if it was stored now) for a note whose origin was checked by the caller;
    (None, False) for a document that is no note at all. The status, its mentions, tags and
    poll are stored in one transaction, and `then(tx, status, fresh)` runs in it (in a
    transaction of its own when the note was known already): what the caller writes because
    of the note (its fan-out) is never half done, and a retried job finds it done or undone."""
    uri = id_of(doc)
    if not uri or first_type(doc) not in NOTE_TYPES:
        return None, False
    author_uri = id_of(doc.get("attributedTo"))
    if not author_uri or not same_origin(author_uri, uri):
        raise NotUsable("note is not attributed to an actor on its own host")
    if state.urls.is_local(uri):
        raise NotUsable("remote copy of a local note")
    if author is None or author.uri != author_uri:
        author = await remote.account_by_uri(state, author_uri)
    f = note_fields(doc)
    parent = await state.store.statuses.by_uri(f["in_reply_to"]) if f["in_reply_to"] else None
    mentioned = []
    for href in f["mentions"]:
        account = await state.store.accounts.by_uri(href)
        if account is not None:
            mentioned.append(account.id)
    now = time.time()
    status = Status(
        id=new_id(at=min(f["published"], now)), uri=uri, url=f["url"] or uri, account_id=author.id,
        local=False, object_type=f["object_type"], visibility=visibility_of(doc, author.followers_url),
        published=f["published"], content=f["content"], summary=f["summary"], sensitive=f["sensitive"],
        language=f["language"], in_reply_to_uri=f["in_reply_to"],
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        conversation=f["conversation"], edited_at=f["updated"], attachments=f["attachments"],
        created_at=now, mention_ids=mentioned, tags=f["tags"],
    )
    if not await _insert(state, status, f["poll"], then):
        existing = await state.store.statuses.by_uri(uri)
        if existing is None:
            raise Unavailable(f"{uri} could not be stored")
        if then is not None:
            await state.store.atomic(lambda tx: then(tx, existing, False))
        return existing, False
    return status, True


async def store(state: State, doc: dict, author: Account | None = None) -> Status | None:
    """Store a note fetched from (or vouched for by) its origin; returns it, new or known."""
    status, _ = await ingest(state, doc, author)
    return status


async def by_uri(state: State, uri: str) -> Status:
    """The status with this URI, fetched from its server and stored when not known yet."""
    status = await state.store.statuses.by_uri(uri)
    if status is not None:
        return status
    if state.urls.is_local(uri):
        raise NotFound(f"no such status {uri}")
    if state.domain_blocked(host_of(uri)):
        raise ServiceError(f"the domain of {uri} is blocked", 403)
    if state.resolver is None:
        raise Unavailable("federation is not available")
    status = await store(state, await state.resolver.object(uri))
    if status is None:
        raise NotFound(f"{uri} is not a note")
    return status


async def _insert(state: State, status: Status, poll: dict | None, then: Then | None) -> bool:
    """Store a new remote status with its poll, and run `then` (False: its URI is known,
    nothing is written). Its id comes from its publication time, which many notes may share
    to the millisecond (a relay's backlog, dates without milliseconds): an id already taken
    (by this process, once more notes share a millisecond than the id's low bits tell apart,
    or by another) is replaced by one of a later millisecond."""
    async def write(tx) -> bool:
        if not await tx.statuses.insert(status):
            return False
        if poll is not None:
            await polls.store(tx, status.id, poll)
        if then is not None:
            await then(tx, status, True)
        return True

    # A note with nothing else to write is one statement, a transaction of its own.
    alone = then is None and poll is None and not status.mention_ids and not status.tags
    for attempt in range(ID_ATTEMPTS):
        try:
            return await (state.store.statuses.insert(status) if alone else state.store.atomic(write))
        except Taken:
            if attempt == ID_ATTEMPTS - 1:
                raise
            # a millisecond later each time: that millisecond's ids may all be taken
            status.id = new_id(at=min(status.published, status.created_at) + (attempt + 1) / 1000)
    raise AssertionError("unreachable")

"""Create, Update and Delete of notes received from peers."""

from __future__ import annotations

import time

from fedi.activitypub.audience import visibility_of
from fedi.activitypub.parse import first_type, host_of, id_of, note_fields, same_origin
from fedi.activitypub.vocab import NOTE_TYPES
from fedi.ids import new_id
from fedi.models import Account, Status
from fedi.services import fanout, polls, remote
from fedi.services.errors import ServiceError, Unavailable
from fedi.services.inbound.common import Ignored, embedded, local_recipients, object_id
from fedi.services.state import State


async def _trusted_object(state: State, activity: dict, actor: Account) -> dict:
    """The activity's object, fetched from its origin unless the signer's host vouches for it."""
    obj = embedded(activity)
    if obj is not None and same_origin(id_of(obj), actor.uri):
        return obj
    uri = object_id(activity)
    if state.resolver is None:
        raise Ignored("cannot fetch object")
    return await state.resolver.object(uri)


async def store_remote_note(state: State, doc: dict, *, trusted_origin: bool,
                            author: Account | None = None) -> Status | None:
    """Store a note fetched from (or vouched for by) its origin; returns it, new or known."""
    status, _ = await ingest_note(state, doc, author)
    return status


async def ingest_note(state: State, doc: dict, author: Account | None) -> tuple[Status | None, bool]:
    """(status, True if it was stored now) for a note whose origin was checked by the caller."""
    uri = id_of(doc)
    if not uri or first_type(doc) not in NOTE_TYPES:
        return None, False
    author_uri = id_of(doc.get("attributedTo"))
    if not author_uri or not same_origin(author_uri, uri):
        raise Ignored("note is not attributed to an actor on its own host")
    if state.urls.is_local(uri):
        raise Ignored("remote copy of a local note")
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
    if not await state.store.statuses.insert(status):
        existing = await state.store.statuses.by_uri(uri)
        if existing is None:
            raise Unavailable(f"{uri} could not be stored")
        return existing, False
    if f["poll"] is not None:
        await polls.store(state.store, status.id, f["poll"])
    return status, True


async def on_create(state: State, activity: dict, actor: Account) -> None:
    obj = await _trusted_object(state, activity, actor)
    is_vote = polls.is_vote(obj) and id_of(obj.get("attributedTo")) == actor.uri
    if is_vote and await polls.count_remote_vote(state, obj, actor):
        return
    if first_type(obj) not in NOTE_TYPES:
        raise Ignored(f"Create of {first_type(obj) or 'unknown'} is not stored")
    if id_of(obj.get("attributedTo")) != actor.uri and not same_origin(id_of(obj), actor.uri):
        raise Ignored("Create by an actor that is not the author's host")
    status, fresh = await ingest_note(state, obj, actor)
    if status is None:
        return
    recipients = await local_recipients(state, activity if activity.get("to") else obj, actor)
    notify = status.mention_ids if fresh else []  # a note seen before was already notified

    async def write(tx):
        if fresh:
            await fanout.to_home_timelines(state, tx, status, actor)
        await fanout.deliver_locally(tx, activity, recipients + notify)
        for account_id in notify:
            target = await tx.accounts.get(account_id)
            if target is not None and target.local:
                await fanout.notify(state, tx, account_id, "mention", status.account_id, status.id)

    await state.store.atomic(write)


async def on_update_note(state: State, activity: dict, actor: Account) -> None:
    obj = await _trusted_object(state, activity, actor)
    status = await state.store.statuses.by_uri(id_of(obj) or "")
    if status is None:
        raise Ignored("update of an unknown note")
    if status.account_id != actor.id:
        raise Ignored("update by someone other than the author")
    f = note_fields(obj)
    if f["poll"] is not None:
        await polls.store(state.store, status.id, f["poll"])
        if f["content"] == status.content and f["summary"] == status.summary and not f["updated"]:
            return  # only the tallies changed
    status.content, status.summary, status.sensitive = f["content"], f["summary"], f["sensitive"]
    status.language = f["language"] or status.language
    status.attachments, status.tags = f["attachments"], f["tags"]
    status.edited_at = f["updated"] or time.time()

    async def write(tx):
        await tx.statuses.update_content(status)
        await fanout.notify_edit(state, tx, status)
        await fanout.deliver_locally(tx, activity, await local_recipients(state, activity, actor))
        readers = await fanout.home_readers(tx, actor, status.visibility, status.mention_ids)
        tx.on_commit(lambda: fanout.announce_status(state, status, readers, "status.update"))

    await state.store.atomic(write)


async def on_delete(state: State, activity: dict, actor: Account) -> None:
    uri = object_id(activity)
    if uri == actor.uri:
        from fedi.services.inbound.actors import delete_actor

        await delete_actor(state, actor)
        return
    if host_of(uri) != host_of(actor.uri):
        raise Ignored("delete of an object on another host")
    status = await state.store.statuses.by_uri(uri)
    if status is None:
        return  # never seen it, or already gone
    if status.account_id != actor.id:
        raise Ignored("delete by someone other than the author")
    async def write(tx):
        await fanout.announce_deletion(state, tx, status)
        await tx.statuses.delete(status.id)

    await state.store.atomic(write)


async def resolve_status(state: State, uri: str) -> Status:
    try:
        return await remote.status_by_uri(state, uri)
    except ServiceError as exc:
        raise Ignored(str(exc)) from None

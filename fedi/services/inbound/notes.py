"""Create, Update and Delete of notes received from peers."""

from __future__ import annotations

import time

from fedi.activitypub.parse import first_type, host_of, id_of, note_fields, same_origin
from fedi.activitypub.vocab import NOTE_TYPES
from fedi.models import Account, Status
from fedi.services import fanout, polls, remote_notes
from fedi.services.errors import ServiceError
from fedi.services.inbound.actors import delete_actor
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
    try:
        return await remote_notes.store(state, doc, author)
    except remote_notes.NotUsable as exc:
        raise Ignored(exc.message) from None


async def on_create(state: State, activity: dict, actor: Account) -> None:
    obj = await _trusted_object(state, activity, actor)
    is_vote = polls.is_vote(obj) and id_of(obj.get("attributedTo")) == actor.uri
    if is_vote and await polls.count_remote_vote(state, obj, actor):
        return
    if first_type(obj) not in NOTE_TYPES:
        raise Ignored(f"Create of {first_type(obj) or 'unknown'} is not stored")
    if id_of(obj.get("attributedTo")) != actor.uri and not same_origin(id_of(obj), actor.uri):
        raise Ignored("Create by an actor that is not the author's host")
    audience = await state.store.follows.home_audience(actor.id)  # read once for both
    recipients = await local_recipients(state, activity if activity.get("to") else obj, actor,
                                        followers=[f for f, _ in audience[0]])

    async def deliver(tx, status: Status, fresh: bool) -> None:
        """In the transaction that stores the note: feeds, inboxes and mentions (a note
        seen before was already in the feeds and notified)."""
        if fresh:
            await fanout.to_home_timelines(state, tx, status, actor, audience=audience)
        notify = status.mention_ids if fresh else []
        await fanout.deliver_locally(tx, activity, recipients + notify)
        for account_id in notify:
            target = await tx.accounts.get(account_id)
            if target is not None and target.local:
                await fanout.notify(state, tx, account_id, "mention", status.account_id, status.id)

    try:
        await remote_notes.ingest(state, obj, actor, then=deliver)
    except remote_notes.NotUsable as exc:
        raise Ignored(exc.message) from None


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
        return await remote_notes.by_uri(state, uri)
    except ServiceError as exc:
        raise Ignored(str(exc)) from None

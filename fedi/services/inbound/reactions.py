"""Like, Announce and featured-collection changes received from peers."""

from __future__ import annotations

import time

from fedi.activitypub.parse import id_of
from fedi.ids import new_id
from fedi.models import Account, Favourite, Status
from fedi.services import fanout
from fedi.services.inbound.common import Ignored, embedded, local_recipients, object_id
from fedi.services.inbound.notes import resolve_status, store_remote_note, _trusted_object
from fedi.services.state import State
from fedi.services.visibility import can_view


async def on_like(state: State, activity: dict, actor: Account) -> None:
    status = await state.store.statuses.by_uri(object_id(activity))
    if status is None or not status.local:
        raise Ignored("like of a post that is not ours")
    if not await can_view(state.store, status, actor):
        raise Ignored("like of a post the actor cannot see")
    fav = Favourite(id=new_id(), account_id=actor.id, status_id=status.id, uri=activity["id"],
                    created_at=time.time())

    async def write(tx):
        if await tx.favourites.insert(fav):
            await fanout.notify(state, tx, status.account_id, "favourite", actor.id, status.id)
            await fanout.deliver_locally(tx, activity, [status.account_id])

    await state.store.atomic(write)


async def on_announce(state: State, activity: dict, actor: Account) -> None:
    obj = embedded(activity)
    if obj is not None and id_of(obj) and id_of(obj.get("attributedTo")):
        # Only trust an inline copy from its own host; otherwise fetch it from its origin.
        original = await state.store.statuses.by_uri(id_of(obj))
        if original is None:
            original = await store_remote_note(state, await _trusted_object(state, activity, actor),
                                               trusted_origin=True)
    else:
        original = await resolve_status(state, object_id(activity))
    if original is None:
        raise Ignored("announce of something that is not a note")
    if original.visibility not in ("public", "unlisted"):
        raise Ignored("announce of a non-public post")
    now = time.time()
    boost = Status(id=new_id(), uri=activity["id"], url=activity["id"], account_id=actor.id, local=False,
                   visibility="public", published=now, reblog_of_id=original.id, created_at=now)
    recipients = await local_recipients(state, activity, actor)

    async def write(tx):
        if not await tx.statuses.insert(boost):
            return
        await fanout.to_home_timelines(state, tx, boost, actor)
        await fanout.deliver_locally(tx, activity, recipients + ([original.account_id] if original.local else []))
        if original.local:
            await fanout.notify(state, tx, original.account_id, "reblog", actor.id, original.id)

    await state.store.atomic(write)


async def undo_like(state: State, inner: dict, actor: Account) -> None:
    fav = await state.store.favourites.by_uri(id_of(inner) or "")
    if fav is None:
        status = await state.store.statuses.by_uri(id_of(inner.get("object")) or "")
        fav = await state.store.favourites.get(actor.id, status.id) if status else None
    if fav is None or fav.account_id != actor.id:
        raise Ignored("no such like")
    await state.store.favourites.delete(fav.id)


async def undo_announce(state: State, inner: dict, actor: Account) -> None:
    boost = await state.store.statuses.by_uri(id_of(inner) or "")
    if boost is None or boost.account_id != actor.id or not boost.reblog_of_id:
        raise Ignored("no such announce")

    async def write(tx):
        await fanout.announce_deletion(state, tx, boost)
        await tx.statuses.delete(boost.id)

    await state.store.atomic(write)


def _check_featured(activity: dict, actor: Account) -> None:
    target = id_of(activity.get("target"))
    if not target or target != actor.featured_url:
        raise Ignored("Add/Remove outside the actor's featured collection")


async def on_add(state: State, activity: dict, actor: Account) -> None:
    """A peer's account pinned one of its posts (fetched if it is new to us)."""
    _check_featured(activity, actor)
    status = await resolve_status(state, object_id(activity))
    if status.account_id != actor.id:
        raise Ignored("only own posts can be featured")
    await state.store.pins.add(actor.id, status.id)


async def on_remove(state: State, activity: dict, actor: Account) -> None:
    """A peer's account unpinned a post; one we never stored is not fetched for that."""
    _check_featured(activity, actor)
    status = await state.store.statuses.by_uri(object_id(activity))
    if status is None or status.account_id != actor.id:
        raise Ignored("unpin of a post that is not pinned here")
    await state.store.pins.remove(actor.id, status.id)

"""Follow, Accept, Reject and Block received from peers."""

from __future__ import annotations

import time

from fedi.activitypub import render
from fedi.activitypub.html import sanitize_text
from fedi.activitypub.parse import id_of
from fedi.ids import new_id
from fedi.models import Account, Block, Follow
from fedi.services import fanout, follows
from fedi.services.inbound.common import Ignored, embedded, local_account, object_id
from fedi.services.state import State
from fedi.services.statuses import record


def _strip(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}


async def _answer(state: State, tx, target: Account, follower: Account, follow_doc: dict, kind: str):
    body = render.activity(kind, state.urls.activity(new_id()), target.uri, _strip(follow_doc),
                           to=[follower.uri])
    await record(tx, target, body, "direct", object_uri=follower.uri)
    await fanout.publish(state, tx, target, body, inboxes=[follower.delivery_inbox], local_ids=[])


async def on_follow(state: State, activity: dict, actor: Account) -> None:
    target = await local_account(state, object_id(activity))
    if target is None:
        raise Ignored("follow of an unknown local account")
    follow_uri = activity.get("id")
    note = activity.get("content") if isinstance(activity.get("content"), str) else ""
    note = sanitize_text(note, 500)
    store = state.store
    blocked = await store.blocks.either_way(actor.id, target.id)
    accepted = not target.locked or await follows.completes_connection(state, target, actor)

    async def write(tx):
        if blocked:
            await _answer(state, tx, target, actor, activity, "Reject")
            return
        existing = await tx.follows.get(actor.id, target.id)
        if existing is not None:
            if existing.uri != follow_uri:
                await tx.follows.delete(existing.id)
            elif existing.accepted:
                await _answer(state, tx, target, actor, activity, "Accept")
                return
            else:
                return
        await tx.follows.insert(Follow(
            id=new_id(), follower_id=actor.id, target_id=target.id,
            state="accepted" if accepted else "pending", uri=follow_uri, note=note,
            created_at=time.time(),
        ))
        await fanout.notify(state, tx, target.id, "follow" if accepted else "follow_request", actor.id)
        await fanout.deliver_locally(tx, activity, [target.id])
        if accepted:
            await _answer(state, tx, target, actor, activity, "Accept")

    await store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)


async def _our_follow(state: State, activity: dict, actor: Account) -> Follow:
    obj = embedded(activity)
    follow = await state.store.follows.by_uri(object_id(activity))
    if follow is None and obj is not None:
        follower = await local_account(state, id_of(obj.get("actor")))
        if follower is not None:
            follow = await state.store.follows.get(follower.id, actor.id)
    if follow is None or follow.target_id != actor.id:
        raise Ignored("no matching follow request")
    return follow


async def on_accept(state: State, activity: dict, actor: Account) -> None:
    follow = await _our_follow(state, activity, actor)

    async def write(tx):
        await tx.follows.set_state(follow.id, "accepted")
        await fanout.deliver_locally(tx, activity, [follow.follower_id])

    await state.store.atomic(write)


async def on_reject(state: State, activity: dict, actor: Account) -> None:
    follow = await _our_follow(state, activity, actor)
    await state.store.follows.delete(follow.id)


async def undo_follow(state: State, inner: dict, actor: Account) -> None:
    follow = await state.store.follows.by_uri(id_of(inner) or "")
    if follow is None:
        target = await local_account(state, id_of(inner.get("object")))
        follow = await state.store.follows.get(actor.id, target.id) if target else None
    if follow is None or follow.follower_id != actor.id:
        raise Ignored("no such follow")
    await state.store.follows.delete(follow.id)


async def on_block(state: State, activity: dict, actor: Account) -> None:
    target = await local_account(state, object_id(activity))
    if target is None:
        raise Ignored("block of an unknown local account")
    blk = Block(id=new_id(), account_id=actor.id, target_id=target.id, uri=activity.get("id"),
                created_at=time.time())

    async def write(tx):
        await tx.blocks.insert(blk)
        for a, b in ((actor.id, target.id), (target.id, actor.id)):
            fol = await tx.follows.get(a, b)
            if fol:
                await tx.follows.delete(fol.id)

    await state.store.atomic(write)


async def undo_block(state: State, inner: dict, actor: Account) -> None:
    blk = await state.store.blocks.by_uri(id_of(inner) or "")
    if blk is None or blk.account_id != actor.id:
        raise Ignored("no such block")
    await state.store.blocks.delete(blk.id)

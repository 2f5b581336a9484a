"""Following, follow requests and blocks, for local accounts."""

from __future__ import annotations

import time

from fedi.activitypub import render
from fedi.activitypub.html import sanitize_text
from fedi.ids import new_id
from fedi.models import Account, Block, Follow
from fedi.services import fanout
from fedi.services.errors import Forbidden, NotFound, ServiceError
from fedi.services.state import State
from fedi.services.statuses import record

MAX_NOTE = 500


def _strip(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}


def follow_doc(follow: Follow, follower: Account, target: Account) -> dict:
    extra = {"content": follow.note} if follow.note else {}
    return render.activity("Follow", follow.uri, follower.uri, target.uri, to=[target.uri], **extra)


async def _send(state: State, tx, sender: Account, body: dict, visibility: str, recipient: Account,
                object_uri: str | None = None) -> None:
    await record(tx, sender, body, visibility, object_uri=object_uri)
    inboxes, local_ids = [], []
    fanout.add_account(recipient, inboxes, local_ids)
    await fanout.publish(state, tx, sender, body, inboxes=inboxes, local_ids=local_ids)


async def completes_connection(state: State, target: Account, follower: Account) -> bool:
    """On a professional instance, a request from someone the target follows, or has asked to
    follow, completes a connection the target asked for: it needs no second approval."""
    if not state.config.professional:
        return False
    return await state.store.follows.get(target.id, follower.id) is not None


async def pending_for(state: State, account: Account) -> list:
    """The follow requests waiting for the account's answer."""
    return await state.store.follows.pending_for(account.id)


async def follow(state: State, follower: Account, target: Account, note: str = "",
                 notify: bool | None = None) -> Follow:
    if target.id == follower.id:
        raise ServiceError("you cannot follow yourself")
    store = state.store
    if await store.blocks.either_way(follower.id, target.id):
        raise Forbidden("blocked")
    existing = await store.follows.get(follower.id, target.id)
    if existing is not None:
        if notify is not None and bool(notify) != existing.notify:
            await store.follows.set_notify(existing.id, bool(notify))
            existing.notify = bool(notify)
        return existing
    note = sanitize_text(note, MAX_NOTE) if note else ""
    pending = not target.local or (target.locked and not await completes_connection(state, target, follower))
    fol = Follow(id=new_id(), follower_id=follower.id, target_id=target.id,
                 state="pending" if pending else "accepted",
                 uri=state.urls.activity(new_id()), note=note, created_at=time.time(), notify=bool(notify))
    body = follow_doc(fol, follower, target)

    async def write(tx):
        await tx.follows.insert(fol)
        await _send(state, tx, follower, body, "direct", target, target.uri)
        if target.local:
            kind = "follow_request" if pending else "follow"
            await fanout.notify(state, tx, target.id, kind, follower.id)

    await store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return fol


async def unfollow(state: State, follower: Account, target: Account) -> str | None:
    fol = await state.store.follows.get(follower.id, target.id)
    if fol is None:
        return None
    undo = render.activity("Undo", state.urls.activity(new_id()), follower.uri,
                           _strip(follow_doc(fol, follower, target)), to=[target.uri])

    async def write(tx):
        await tx.follows.delete(fol.id)
        await tx.feeds.remove_account_from(follower.id, target.id)
        await _send(state, tx, follower, undo, "direct", target, target.uri)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return undo["id"]


async def _answer(state: State, target: Account, follower: Account, kind: str) -> str:
    fol = await state.store.follows.get(follower.id, target.id)
    if fol is None:
        raise NotFound("no such follow request")
    body = render.activity(kind, state.urls.activity(new_id()), target.uri,
                           _strip(follow_doc(fol, follower, target)), to=[follower.uri])

    async def write(tx):
        if kind == "Accept":
            await tx.follows.set_state(fol.id, "accepted")
        else:
            await tx.follows.delete(fol.id)
        await _send(state, tx, target, body, "direct", follower, follower.uri)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return body["id"]


async def accept(state: State, target: Account, follower: Account) -> str:
    return await _answer(state, target, follower, "Accept")


async def reject(state: State, target: Account, follower: Account) -> str:
    return await _answer(state, target, follower, "Reject")


async def remove_follower(state: State, target: Account, follower: Account) -> None:
    await reject(state, target, follower)


async def block(state: State, account: Account, target: Account) -> Block:
    if target.id == account.id:
        raise ServiceError("you cannot block yourself")
    existing = await state.store.blocks.get(account.id, target.id)
    if existing:
        return existing
    blk = Block(id=new_id(), account_id=account.id, target_id=target.id,
                uri=state.urls.activity(new_id()), created_at=time.time())
    body = render.activity("Block", blk.uri, account.uri, target.uri, to=[target.uri])

    async def write(tx):
        await tx.blocks.insert(blk)
        for a, b in ((account.id, target.id), (target.id, account.id)):
            fol = await tx.follows.get(a, b)
            if fol:
                await tx.follows.delete(fol.id)
        await tx.feeds.remove_account_from(account.id, target.id)
        await tx.notifications.clear_from(account.id, target.id)  # as Mastodon does after a block
        if not target.local:
            await _send(state, tx, account, body, "direct", target, target.uri)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return blk


async def unblock(state: State, account: Account, target: Account) -> str | None:
    blk = await state.store.blocks.get(account.id, target.id)
    if blk is None:
        return None
    original = render.activity("Block", blk.uri, account.uri, target.uri)
    undo = render.activity("Undo", state.urls.activity(new_id()), account.uri, _strip(original),
                           to=[target.uri])

    async def write(tx):
        await tx.blocks.delete(blk.id)
        if not target.local:
            await _send(state, tx, account, undo, "direct", target, target.uri)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return undo["id"]


# --------------------------------------------------------------------------- lists of follows

async def follow_page(state: State, account: Account, *, followers: bool,
                      **paging) -> list[tuple[str, str]]:
    """(follow id, other account id) of the account's followers, or of the accounts it
    follows, newest follow first."""
    return await state.store.follows.account_page(account.id, followers=followers, **paging)


async def requests_page(state: State, account: Account, **paging) -> list[Follow]:
    """The follow requests waiting for the account's answer, newest first, paged by their id."""
    return await state.store.follows.requests_page(account.id, **paging)


async def familiar_followers(state: State, viewer: Account,
                             target_ids: list[str]) -> dict[str, list[str]]:
    """For each target, the ids of its followers whom the viewer follows, newest first, in one
    query."""
    return await state.store.follows.familiar_followers_of(viewer.id, list(dict.fromkeys(target_ids)))


async def followed_or_requested(state: State, account: Account, target_ids) -> set[str]:
    """Those of `target_ids` the account follows or has asked to follow, in one query."""
    return await state.store.follows.followed_among(account.id, target_ids, requested=True)


async def drop_follower(state: State, account: Account, follower: Account) -> bool:
    """Make `follower` stop following the account (or take back its request) if it does;
    whether it did."""
    if await state.store.follows.get(follower.id, account.id) is None:
        return False
    await remove_follower(state, account, follower)
    return True

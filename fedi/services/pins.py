"""Pinned posts of local accounts: the rules, the featured collection, and the Add/Remove
activities that tell followers when a post is pinned or unpinned. A pinned local-only post
shows on the profile to local readers only: it is left out of the featured collection, and
its Add/Remove stay on this instance."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fedi.activitypub import render
from fedi.activitypub.audience import LOCAL, addressing
from fedi.ids import new_id
from fedi.models import Account, Status
from fedi.services import fanout, statuses
from fedi.services.errors import ServiceError
from fedi.services.state import State

FEATURED = ("public", "unlisted")  # what the featured collection may list
PINNABLE = (*FEATURED, LOCAL)
MAX_PINNED = 5


async def pin(state: State, account: Account, status: Status) -> None:
    """Pin one of the account's own public, unlisted or local-only posts; pinning it again
    changes nothing."""
    if status.account_id != account.id:
        raise ServiceError("Validation failed: Someone else's post cannot be pinned")
    if status.reblog_of_id:
        raise ServiceError("Validation failed: A boost cannot be pinned")
    if status.visibility not in PINNABLE:
        raise ServiceError("Validation failed: Only public and unlisted posts (or local-only ones) "
                           "can be pinned")

    async def add(tx) -> bool:
        pinned = await tx.pins.list(account.id)
        if status.id in pinned:
            return False
        if len(pinned) >= MAX_PINNED:
            raise ServiceError("Validation failed: You have already pinned the maximum number of posts")
        await tx.pins.add(account.id, status.id)
        return True

    await _change(state, account, status, "Add", add)


async def unpin(state: State, account: Account, status: Status) -> None:
    """Unpin a post; a post that is not pinned is left as it is."""

    async def remove(tx) -> bool:
        if status.id not in await tx.pins.list(account.id):
            return False
        await tx.pins.remove(account.id, status.id)
        return True

    await _change(state, account, status, "Remove", remove)


async def _change(state: State, account: Account, status: Status, kind: str,
                  apply: Callable[[object], Awaitable[bool]]) -> None:
    """Apply a pin change in one transaction and, if it changed anything, send Add/Remove
    (object: the note, target: the featured collection) to the account's followers."""
    followers = state.urls.followers(account.username)
    to, cc = addressing(status.visibility, followers, [], local_public=state.urls.local_public)
    activity = render.activity(kind, state.urls.activity(new_id()), account.uri, status.uri,
                               target=state.urls.featured(account.username), to=to, cc=cc,
                               published=time.time())

    async def write(tx):
        if not await apply(tx):
            return
        await statuses.record(tx, account, activity, status.visibility, status_id=status.id,
                              object_uri=status.uri)
        inboxes, local_ids = await fanout.follower_targets(tx, account)
        await fanout.publish(state, tx, account, activity, inboxes=list(inboxes), local_ids=list(local_ids))

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)


async def featured(state: State, account: Account) -> list[dict]:
    """The account's pinned posts as Notes, most recently pinned first (as Mastodon orders them)."""
    notes = []
    for status_id in await state.store.pins.list(account.id):
        status = await state.store.statuses.get(status_id)
        if status is not None and status.visibility in FEATURED:
            notes.append(await statuses.note_doc(state, status, account))
    return notes

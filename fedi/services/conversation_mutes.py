"""Muted threads: a reader who wrote or is mentioned in a status can mute its thread and hears
no more notifications from it (mentions, favourites, boosts, polls, edits).

A thread is keyed as direct-message conversations are: a status's `conversation`, or its uri
when it has none. A status also counts as part of the thread of the post it replies to, so a
reply from a peer that sends no `conversation` is silenced too (see `ConversationMutes.muted`).
"""

from __future__ import annotations

from fedi.models import Account, Status
from fedi.services.errors import ServiceError
from fedi.services.state import State

NOT_A_PARTICIPANT = "Validation failed: Only a conversation you take part in can be muted"


def thread_key(status: Status) -> str:
    return status.conversation or status.uri


def _check_participant(account: Account, status: Status) -> None:
    if status.account_id != account.id and account.id not in (status.mention_ids or []):
        raise ServiceError(NOT_A_PARTICIPANT)


async def mute(state: State, account: Account, status: Status) -> None:
    _check_participant(account, status)
    await state.store.conversation_mutes.add(account.id, thread_key(status))


async def unmute(state: State, account: Account, status: Status) -> None:
    """Unmute every thread the status counts as part of, so it no longer shows as muted."""
    _check_participant(account, status)
    keys = [thread_key(status)]
    if status.in_reply_to_id:
        parent = await state.store.statuses.get(status.in_reply_to_id)
        if parent is not None:
            keys.append(thread_key(parent))
    await state.store.conversation_mutes.remove(account.id, keys)

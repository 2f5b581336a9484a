"""A reader's direct-message conversations: a page of them, one of them, leaving one out of
the list, marking one read.

The store computes conversations from direct statuses; each comes here with its last status
and the other people taking part, loaded for a whole page at once (three queries whatever
its length).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fedi.models import Account, Status
from fedi.services.errors import NotFound
from fedi.services.state import State


@dataclass
class Conversation:
    id: str
    key: str
    unread: bool
    last_status_id: str
    last_status: Status | None = None  # None once it is gone
    participant_ids: list[str] = field(default_factory=list)  # everyone but the reader, oldest first


async def _loaded(state: State, reader: Account, groups: list[dict]) -> list[Conversation]:
    if not groups:
        return []
    statuses = await state.store.statuses.get_many([g["last_status_id"] for g in groups])
    people = await state.store.conversations.participants_of(reader.id, [g["key"] for g in groups])
    return [Conversation(g["id"], g["key"], g["unread"], g["last_status_id"],
                         statuses.get(g["last_status_id"]), people.get(g["key"], [])) for g in groups]


async def page(state: State, reader: Account, **paging) -> list[Conversation]:
    """The reader's conversations, newest last status first, paged by the last status's id."""
    return await _loaded(state, reader, await state.store.conversations.page(reader.id, **paging))


async def find(state: State, reader: Account, conversation_id: str) -> Conversation | None:
    """The reader's conversation that the status `conversation_id` belongs to; None when there
    is none (or the reader left it out of the list)."""
    group = await state.store.conversations.get(reader.id, conversation_id)
    return (await _loaded(state, reader, [group]))[0] if group is not None else None


async def _own(state: State, reader: Account, conversation_id: str) -> dict:
    group = await state.store.conversations.get(reader.id, conversation_id)
    if group is None:
        raise NotFound("Record not found")
    return group


async def remove(state: State, reader: Account, conversation_id: str) -> None:
    """Leave the conversation out of the reader's list (its statuses stay) until someone
    writes in it again."""
    group = await _own(state, reader, conversation_id)
    await state.store.conversations.hide(reader.id, group["key"], group["last_status_id"])


async def mark_read(state: State, reader: Account, conversation_id: str) -> Conversation:
    """Mark the conversation read for the reader; the conversation."""
    group = await _own(state, reader, conversation_id)
    await state.store.conversations.mark_read(reader.id, group["key"])
    return (await _loaded(state, reader, [{**group, "unread": False}]))[0]

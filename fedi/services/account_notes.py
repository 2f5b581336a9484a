"""Private notes about accounts: what one account writes about another, shown only to its
writer."""

from __future__ import annotations

from fedi.models import Account
from fedi.services.errors import ServiceError
from fedi.services.state import State

MAX_NOTE = 2000  # characters, as Mastodon


async def set_note(state: State, writer: Account, target: Account, comment: str | None) -> None:
    """Keep the writer's note about the target; an empty (or blank) one removes it."""
    comment = "" if comment is None else str(comment)
    if len(comment) > MAX_NOTE:
        raise ServiceError(f"Validation failed: Comment is too long (maximum is {MAX_NOTE} characters)")
    await state.store.account_notes.set(writer.id, target.id, comment if comment.strip() else "")

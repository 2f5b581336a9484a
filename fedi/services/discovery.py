"""Finding accounts: follow suggestions, and the accounts one features on one's profile.

Suggestions are discoverable local accounts and accounts followed by the accounts one
follows, that one does not follow or has not asked to follow yet, neither blocked either way
nor muted nor dismissed, most followed first. Endorsing ("featuring", Mastodon's account
pins) is only for accounts one follows, and ends with the follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.models import Account
from fedi.services.errors import ServiceError
from fedi.services.state import State

DEFAULT_SUGGESTIONS = 40
MAX_SUGGESTIONS = 80


@dataclass
class Suggestion:
    account_id: str
    sources: list[str]  # Mastodon's: "most_followed", "friends_of_friends"

    @property
    def source(self) -> str:
        """The single reason clients before Mastodon 4.3 read ("global" or "past_interactions")."""
        return "past_interactions" if "friends_of_friends" in self.sources else "global"


async def suggestions(state: State, account: Account,
                      limit: int = DEFAULT_SUGGESTIONS) -> list[Suggestion]:
    rows = await state.store.suggestions.candidates(account.id, max(1, min(limit, MAX_SUGGESTIONS)))
    out = []
    for row in rows:
        sources = (["most_followed"] if row["local"] else []) + (
            ["friends_of_friends"] if row["via_follows"] else [])
        out.append(Suggestion(row["id"], sources))
    return out


async def dismiss(state: State, account: Account, target_id: str) -> None:
    """Do not suggest this account again (an unknown account is ignored)."""
    if target_id != account.id and await state.store.accounts.get(target_id) is not None:
        await state.store.suggestions.dismiss(account.id, target_id)


async def endorse(state: State, account: Account, target: Account) -> None:
    """Feature a followed account on one's profile; featuring it again changes nothing."""
    follow = await state.store.follows.get(account.id, target.id)
    if follow is None or not follow.accepted:
        raise ServiceError("Validation failed: Only accounts you follow can be featured")
    await state.store.endorsements.add(account.id, target.id)


async def unendorse(state: State, account: Account, target: Account) -> None:
    await state.store.endorsements.remove(account.id, target.id)


async def endorsed(state: State, account: Account, **paging) -> list[tuple[str, str]]:
    """(paging key, account id) of the accounts featured on the account's profile, newest first."""
    return await state.store.endorsements.page(account.id, **paging)

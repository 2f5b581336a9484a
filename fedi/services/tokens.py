"""Access tokens as a request or a live stream presents them: whom a token stands for, and
whether it may still be used (a revoked token, or one whose account is gone or suspended,
may not). Tokens are known by their hash (`fedi.services.accounts.hash_token`)."""

from __future__ import annotations

import contextvars
import copy
import time
from dataclasses import dataclass

from fedi.models import Account, Token
from fedi.services.state import State


# (account id, version, notifications' version, when): the versions of the account and of its
# notifications as the database gave them to this task (one request) while checking its token.
_CONFIRMED: contextvars.ContextVar[tuple[str, int, int | None, float] | None] = contextvars.ContextVar(
    "confirmed_account_version", default=None)
CONFIRMED_FOR = 5.0  # seconds: a request's span; a long-lived task (a stream) reads afresh


def _confirmed(account_id: str) -> tuple[str, int, int | None, float] | None:
    found = _CONFIRMED.get()
    if found is None or found[0] != account_id or time.monotonic() - found[3] > CONFIRMED_FOR:
        return None
    return found


def confirmed_version(account_id: str) -> int | None:
    """The version of the account that the database confirmed for the current request, when
    it checked the request's token within the last few seconds; None otherwise."""
    found = _confirmed(account_id)
    return None if found is None else found[1]


def confirmed_notifications_version(account_id: str) -> int | None:
    """The version of the account's notifications (migration 0030), as `confirmed_version`;
    None also before the account's first notification."""
    found = _confirmed(account_id)
    return None if found is None else found[2]


@dataclass(frozen=True)
class Holder:
    token: Token
    account: Account | None  # None for an application's own token (no account)
    disabled: bool = False   # the token's account is gone or suspended


async def holder(state: State, token_hash: str) -> Holder | None:
    """Whom the token stands for; None when it is unknown or revoked. The account comes from
    the records this process keeps while the database confirms its version (one statement),
    as a copy of its own: the caller may change it."""
    found = await state.store.tokens.lookup_versioned(token_hash)
    if found is None:
        return None
    token, version, notifications_version = found
    if token.account_id is None:
        return Holder(token, None)
    kept = state.account_records.get(token.account_id) if version is not None else None
    if kept is not None and kept[0] == version:
        account = kept[1]
    else:
        account = await state.store.accounts.get(token.account_id) if version is not None else None
        if account is not None:
            state.account_records.put(account.id, version, account)
    if account is None or account.suspended:
        return Holder(token, None, disabled=True)
    _CONFIRMED.set((account.id, version, notifications_version, time.monotonic()))
    return Holder(token, copy.copy(account))


async def usable(state: State, token_hash: str) -> Holder | None:
    """Whom the token stands for, while it may be used: None once it is revoked or its
    account is gone or suspended."""
    found = await holder(state, token_hash)
    return None if found is None or found.disabled else found

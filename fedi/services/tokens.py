"""Access tokens as a request or a live stream presents them: whom a token stands for, and
whether it may still be used (a revoked token, or one whose account is gone or suspended,
may not). Tokens are known by their hash (`fedi.services.accounts.hash_token`)."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.models import Account, Token
from fedi.services.state import State


@dataclass(frozen=True)
class Holder:
    token: Token
    account: Account | None  # None for an application's own token (no account)
    disabled: bool = False   # the token's account is gone or suspended


async def holder(state: State, token_hash: str) -> Holder | None:
    """Whom the token stands for; None when it is unknown or revoked."""
    token = await state.store.tokens.lookup(token_hash)
    if token is None:
        return None
    if token.account_id is None:
        return Holder(token, None)
    account = await state.store.accounts.get(token.account_id)
    if account is None or account.suspended:
        return Holder(token, None, disabled=True)
    return Holder(token, account)


async def usable(state: State, token_hash: str) -> Holder | None:
    """Whom the token stands for, while it may be used: None once it is revoked or its
    account is gone or suspended."""
    found = await holder(state, token_hash)
    return None if found is None or found.disabled else found

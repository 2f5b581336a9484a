"""Signed-in browser sessions: a random token in an HttpOnly cookie, only its hash stored."""

from __future__ import annotations

import secrets
import time

from fedi.models import Account
from fedi.services.accounts import hash_token
from fedi.services.state import State

IDLE_LIFETIME = 30 * 86400
TOUCH_EVERY = 3600


async def start(state: State, account: Account, user_agent: str = "") -> str:
    """A new session for `account`; returns the raw token for the cookie."""
    token = secrets.token_urlsafe(32)
    await state.store.sessions.create(hash_token(token), account.id, user_agent)
    return token


async def account_for(state: State, token: str | None) -> Account | None:
    """The signed-in account, or None (unknown, idle too long, suspended or unapproved)."""
    if not token or len(token) > 100:
        return None
    key = hash_token(token)
    session = await state.store.sessions.get(key)
    if session is None:
        return None
    now = time.time()
    if session["last_seen_at"] < now - IDLE_LIFETIME:
        await state.store.sessions.delete(key)
        return None
    account = await state.store.accounts.get(session["account_id"])
    user = await state.store.users.get(session["account_id"]) if account else None
    if account is None or account.suspended or user is None or not user.approved:
        return None
    if session["last_seen_at"] < now - TOUCH_EVERY:
        await state.store.sessions.touch(key)
    return account


async def end(state: State, token: str | None) -> None:
    if token:
        await state.store.sessions.delete(hash_token(token))


async def end_others(state: State, account: Account, token: str | None) -> None:
    """Sign out everywhere else (after a password change)."""
    await state.store.sessions.delete_for_account(account.id, keep=hash_token(token) if token else None)

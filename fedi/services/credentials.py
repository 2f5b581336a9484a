"""A signed-in person's own credentials: changing the password, and the apps and tokens that
may act for them (listing and revoking them)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fedi.models import Account, App
from fedi.services import accounts, oauth
from fedi.services.errors import Forbidden, NotFound, ServiceError
from fedi.services.state import State


async def change_password(state: State, account: Account, current: str, new: str, *, ip: str = "") -> None:
    """Check `current` (a wrong one counts towards the failed log-in limit of `ip`), then set
    `new`. Ending other sessions is the caller's part: it knows which one to keep."""
    found = await oauth.login(state, ip or "unknown", account.username, current)
    if found is None or found.id != account.id:
        raise Forbidden("Your current password is not right.")
    user = await state.store.users.get(account.id)
    if user is None:
        raise NotFound("no such local account")
    accounts.validate_new(account.username, user.email, new or "")
    if new == current:
        raise ServiceError("The new password is the same as the current one.")
    await state.store.users.update(account.id, password_hash=await asyncio.to_thread(accounts.hash_password, new))


@dataclass
class Authorization:
    """An app with access to the account (its tokens taken together), or one token made
    without an app (`fedi token create`)."""

    app: App | None
    token_id: str | None  # set for a token without an app
    scopes: list[str] = field(default_factory=list)
    created_at: float = 0.0
    tokens: int = 0


async def authorizations(state: State, account: Account) -> list[Authorization]:
    """What may use the account through the client API, most recently authorized first."""
    out: list[Authorization] = []
    by_app: dict[str, Authorization] = {}
    for token in await state.store.tokens.for_account(account.id):
        if token.app_id is None:
            out.append(Authorization(None, token.id, sorted(token.scope_set), token.created_at, 1))
            continue
        entry = by_app.get(token.app_id)
        if entry is None:
            app = await state.store.apps.get(token.app_id)
            if app is None:
                continue
            entry = by_app[token.app_id] = Authorization(app, None, [], token.created_at, 0)
            out.append(entry)
        entry.tokens += 1
        entry.scopes = sorted(set(entry.scopes) | token.scope_set)
        entry.created_at = max(entry.created_at, token.created_at)
    return sorted(out, key=lambda a: a.created_at, reverse=True)


async def revoke(state: State, account: Account, *, app_id: str | None = None,
                 token_id: str | None = None) -> None:
    """Revoke every token of an app for this account, or one token without an app; its
    live streams end."""
    if app_id:
        await state.store.tokens.revoke_for_app(app_id, account.id)
    elif token_id:
        await state.store.tokens.revoke_id(token_id, account.id)
    else:
        raise ServiceError("nothing to revoke")
    state.events.close_account(account.id, "access revoked")

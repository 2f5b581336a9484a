"""Signing up: the instance's registration mode, invite links, approval of new accounts.

Every face that lets people join (the web sign-up form, and later the client API's
sign-up) goes through `register`; the admin pages use the invite and approval functions.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from fedi.models import Account, User
from fedi.services import accounts, fanout, instance_settings
from fedi.services.errors import Forbidden, NotFound, ServiceError
from fedi.services.memory import RateWindow, SlidingWindow
from fedi.services.state import State

MAX_REASON = 1000
ATTEMPTS_PER_HOUR = 20  # sign-up attempts per client address
CODE_BYTES = 9  # -> 12 URL-safe characters
CODE_PATTERN = r"[A-Za-z0-9_-]{6,64}"


@dataclass
class Registration:
    account: Account
    approved: bool  # False: the account waits for a moderator


@dataclass
class Pending:
    account: Account
    user: User


async def mode(state: State) -> str:
    """open, approval, invite or closed (see config.REGISTRATION_MODES)."""
    return instance_settings.current(state).registrations


def limiter(state: State) -> RateWindow:
    if state.sign_up_attempts is None:
        state.sign_up_attempts = SlidingWindow(ATTEMPTS_PER_HOUR, 3600.0)
    return state.sign_up_attempts


# --------------------------------------------------------------------------- invites

def invite_url(state: State, code: str) -> str:
    return f"{state.urls.base}/invite/{code}"


def _usable(invite: dict | None, now: float) -> bool:
    return bool(invite) and (invite["max_uses"] is None or invite["uses"] < invite["max_uses"]) \
        and (invite["expires_at"] is None or invite["expires_at"] > now)


async def valid_invite(state: State, code: str | None) -> dict | None:
    """The invite with this code if it can still be used (not expired, uses left)."""
    if not code or len(code) > 64:
        return None
    invite = await state.store.invites.get(code)
    return invite if _usable(invite, time.time()) else None


async def create_invite(state: State, creator: Account | None, *, max_uses: int | None = None,
                        expires_in: float | None = None) -> dict:
    """A new invite link: `max_uses` sign-ups (None: unlimited) until `expires_in` seconds from
    now (None: never). Returns the stored invite with its `url`."""
    if max_uses is not None and not 1 <= max_uses <= 1000:
        raise ServiceError("an invite can be used 1 to 1000 times")
    if expires_in is not None and expires_in <= 0:
        raise ServiceError("an invite must expire in the future")
    code = secrets.token_urlsafe(CODE_BYTES)
    await state.store.invites.create(code, creator.id if creator else None, max_uses,
                                     time.time() + expires_in if expires_in else None)
    invite = await state.store.invites.get(code)
    return {**invite, "url": invite_url(state, code), "valid": True}


async def list_invites(state: State) -> list[dict]:
    """Every invite, newest first, each with its `url` and whether it is still `valid`."""
    now = time.time()
    return [{**i, "url": invite_url(state, i["code"]), "valid": _usable(i, now)}
            for i in await state.store.invites.list()]


async def delete_invite(state: State, code: str) -> None:
    await state.store.invites.delete(code)


# --------------------------------------------------------------------------- signing up

def _reason(value) -> str:
    return str(value or "").strip()[:MAX_REASON]


async def register(state: State, *, username: str, email: str, password: str, reason: str = "",
                   invite_code: str | None = None, ip: str = "") -> Registration:
    """Create an account as the registration mode allows.

    open: created and approved. approval: a reason is required and the account waits for a
    moderator. invite: only with a valid invite. closed: refused. A valid invite works in the
    open, approval and invite modes and skips approval."""
    window = limiter(state)
    if ip:
        if window.blocked(ip):
            raise ServiceError("Too many sign-ups from your network; try again in an hour.", 429)
        window.hit(ip)
    current = await mode(state)
    if current == "closed":
        raise Forbidden("This instance is not accepting new accounts.")
    invite = None
    if invite_code:
        invite = await valid_invite(state, invite_code)
        if invite is None:
            raise NotFound("This invite link is invalid, used up or expired.")
    elif current == "invite":
        raise Forbidden("New accounts need an invite link from a member of this instance.")
    approved = invite is not None or current == "open"
    reason = _reason(reason)
    if not approved and not reason:
        raise ServiceError("Tell the moderators why you want to join.")
    username, email = str(username or "").strip(), str(email or "").strip()
    account = await accounts.create_local(state, username, email, str(password or ""), approved=approved)
    if invite is not None and not await state.store.invites.use(invite["code"], time.time()):
        await state.store.accounts.delete(account.id)  # the last use went to someone else meanwhile
        raise NotFound("This invite link is invalid, used up or expired.")
    if reason:
        await state.store.users.update(account.id, reason=reason)
    await _tell_admins(state, account)
    return Registration(account, approved)


async def _tell_admins(state: State, account: Account) -> None:
    admins = [a for a in await state.store.accounts.list_local() if a.id != account.id]

    async def write(tx):
        for admin in admins:
            user = await tx.users.get(admin.id)
            if user is not None and user.admin:
                await fanout.notify(state, tx, admin.id, "admin.sign_up", account.id)

    await state.store.atomic(write)


# --------------------------------------------------------------------------- approval

async def list_pending(state: State) -> list[Pending]:
    """Local accounts waiting for approval, oldest first, with the reason each one gave."""
    out = []
    for account in await state.store.accounts.list_local():
        user = await state.store.users.get(account.id)
        if user is not None and not user.approved and not account.suspended:
            out.append(Pending(account, user))
    return sorted(out, key=lambda p: p.user.created_at)


async def _pending(state: State, account_id: str) -> Account:
    account = await state.store.accounts.get(account_id)
    user = await state.store.users.get(account_id) if account else None
    if user is None or user.approved:
        raise NotFound("no account waiting for approval with this id")
    return account


async def approve(state: State, account_id: str) -> Account:
    """Let a waiting account sign in."""
    account = await _pending(state, account_id)
    await state.store.users.update(account.id, approved=True)
    return account


async def reject(state: State, account_id: str) -> None:
    """Turn a waiting account down: it is deleted (it never federated), freeing its username."""
    account = await _pending(state, account_id)
    await state.store.accounts.delete(account.id)

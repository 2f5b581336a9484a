"""Local accounts: creation, credentials, tokens, profile updates."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import time

from fedi.activitypub import keys
from fedi.ids import new_id
from fedi.models import Account, User
from fedi.services import instance_settings
from fedi.services.errors import Conflict, Forbidden, NotFound, ServiceError
from fedi.services.state import State

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
RESERVED = {"admin", "root", "actor", "inbox", "api", "well-known", "instance", "about", "settings"}
DEFAULT_SCOPES = "read write follow push"
INSTANCE_SIGNER = "instance"  # the signer id of deliveries made as the instance actor (e.g. Flag)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return "scrypt${}${}${}${}${}".format(
        SCRYPT_N, SCRYPT_R, SCRYPT_P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_new(username: str, email: str, password: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise ServiceError("username must be 1-30 letters, digits or underscores")
    if username.lower() in RESERVED:
        raise ServiceError(f"username {username!r} is reserved")
    if not EMAIL_RE.match(email or ""):
        raise ServiceError(f"invalid e-mail address {email!r}")
    if len(password or "") < 8:
        raise ServiceError("password must be at least 8 characters")


async def create_local(state: State, username: str, email: str, password: str, *,
                       admin: bool = False, approved: bool = True) -> Account:
    validate_new(username, email, password)
    store = state.store
    if await store.accounts.by_handle(username, None):
        raise Conflict(f"username {username!r} is already taken")
    if await store.users.by_email(email):
        raise Conflict(f"e-mail {email!r} is already registered")
    private_pem, public_pem = await asyncio.to_thread(keys.generate_keypair)
    password_hash = await asyncio.to_thread(hash_password, password)
    now = time.time()
    locked, discoverable, visibility = instance_settings.current(state).new_accounts()
    account = Account(
        id=new_id(), uri=state.urls.actor(username), username=username, domain=None,
        display_name=username, url=state.urls.profile(username),
        inbox_url=state.urls.inbox(username), shared_inbox_url=state.urls.shared_inbox,
        outbox_url=state.urls.outbox(username), followers_url=state.urls.followers(username),
        following_url=state.urls.following(username), featured_url=state.urls.featured(username),
        public_key_id=state.urls.key_id(username), public_key_pem=public_pem,
        locked=locked, discoverable=discoverable,
        created_at=now, updated_at=now,
    )
    user = User(
        account_id=account.id, email=email, password_hash=password_hash,
        private_key_pem=private_pem, admin=admin, approved=approved,
        default_visibility=visibility, created_at=now,
    )

    async def write(tx):
        if await tx.accounts.by_handle(username, None):
            raise Conflict(f"username {username!r} is already taken")
        await tx.accounts.insert(account)
        await tx.users.insert(user)

    await store.atomic(write)
    return account


async def local_account(state: State, username: str) -> Account:
    account = await state.store.accounts.by_handle(username, None)
    if account is None or account.suspended:
        raise NotFound(f"no local account {username!r}")
    return account


_DUMMY_HASH = hash_password("an unknown account still costs one hash")


async def authenticate(state: State, login: str, password: str) -> Account | None:
    store = state.store
    user = await store.users.by_email(login)
    if user is None:
        account = await store.accounts.by_handle(login, None)
        user = await store.users.get(account.id) if account else None
    # Hash even for an unknown login, so timing does not tell which accounts exist;
    # scrypt is deliberately slow, so it runs off the event loop.
    stored = user.password_hash if user else _DUMMY_HASH
    if not await asyncio.to_thread(check_password, password, stored) or user is None:
        return None
    if not user.approved:
        raise Forbidden("This account is waiting for a moderator's approval.")
    account = await store.accounts.get(user.account_id)
    return None if account is None or account.suspended else account


async def create_token(state: State, account: Account, scopes: str = DEFAULT_SCOPES,
                       app_id: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    await state.store.tokens.insert(new_id(), account.id, hash_token(token), scopes, app_id)
    return token


async def account_for_token(state: State, token: str) -> tuple[Account, set[str]] | None:
    found = await state.store.tokens.lookup(hash_token(token))
    if not found or found.account_id is None:
        return None
    account = await state.store.accounts.get(found.account_id)
    if account is None or account.suspended:
        return None
    return account, found.scope_set


async def ensure_instance_keys(state: State) -> None:
    settings = state.store.settings
    private_pem = await settings.get("instance_private_key")
    if private_pem is None:
        private_pem, public_pem = keys.generate_keypair()
        await settings.set_if_absent("instance_public_key", public_pem)
        private_pem = await settings.set_if_absent("instance_private_key", private_pem)
    state.instance_private_key = private_pem
    state.instance_public_key = await settings.get("instance_public_key")


async def signing_key(state: State, account_id: str) -> tuple[str, str]:
    """(key id, private key PEM) for a local account, or for the instance actor ("instance")."""
    if account_id == INSTANCE_SIGNER:
        return state.urls.instance_key_id, state.instance_private_key
    cache = state.signing_keys
    if account_id in cache:
        return cache[account_id]
    account = await state.store.accounts.get(account_id)
    user = await state.store.users.get(account_id) if account else None
    if user is None:
        raise NotFound("no such local account")
    cache[account_id] = (account.public_key_id, user.private_key_pem)
    return cache[account_id]


async def many(state: State, ids) -> tuple[dict[str, Account], dict[str, tuple]]:
    """The accounts with these ids that exist, and their counters (statuses, followers,
    following, last status time), in one narrow query whatever their number, and one more
    for the accounts this process does not keep at their current version."""
    ids = [i for i in dict.fromkeys(ids) if i]
    if not ids:
        return {}, {}
    kept = state.account_records
    hits = {i: hit for i in ids if (hit := kept.get(i)) is not None}  # (version, record)
    fresh, versions, stats = await state.store.accounts.with_stats_since(
        ids, {i: version for i, (version, _) in hits.items()})
    found = {}
    for account_id, version in versions.items():
        if account_id in fresh:
            found[account_id] = fresh[account_id]
            kept.put(account_id, version, fresh[account_id])
        else:
            found[account_id] = hits[account_id][1]
    return found, stats


async def at_versions(state: State, versions: dict[str, int]) -> dict[str, Account]:
    """The records of these accounts, whose current versions were just read: those this
    process keeps at that version, and the others read in one query."""
    kept, found, stale = state.account_records, {}, []
    for account_id, version in versions.items():
        hit = kept.get(account_id)  # (version, record)
        if hit is not None and hit[0] == version:
            found[account_id] = hit[1]
        else:
            stale.append(account_id)
    if stale:
        for account_id, record in (await state.store.accounts.get_many(stale)).items():
            # Read after its version: at worst newer than it, and read again next time.
            found[account_id] = record
            kept.put(account_id, versions[account_id], record)
    return found


async def counters(state: State, ids) -> dict[str, tuple]:
    """(statuses, followers, following, last status time) by account id."""
    ids = [i for i in dict.fromkeys(ids) if i]
    return await state.store.accounts.stats(ids) if ids else {}


async def user_settings(state: State, account: Account | None) -> User | None:
    """The settings a local account's user record holds (admin rights, default visibility);
    None for visitors and remote accounts."""
    return await state.store.users.get(account.id) if account is not None else None

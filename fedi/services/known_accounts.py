"""Accounts this server knows, local ones and its copies of remote ones, found without asking
any other server: by id, URI, handle or key id. (Fetching accounts that may live elsewhere is
fedi.services.remote.)"""

from __future__ import annotations

import time

from fedi.models import Account
from fedi.services.state import State

PEERS_LISTED_EVERY = 600  # seconds


async def get(state: State, account_id: str) -> Account | None:
    return await state.store.accounts.get(str(account_id or ""))


async def get_many(state: State, ids) -> dict[str, Account]:
    """The accounts with these ids that exist, by id, in one query."""
    ids = [i for i in dict.fromkeys(ids) if i]
    return await state.store.accounts.get_many(ids) if ids else {}


async def by_uri(state: State, uri: str) -> Account | None:
    return await state.store.accounts.by_uri(uri)


async def by_handle(state: State, username: str, host: str | None = None) -> Account | None:
    """The account known as username (local, host None) or username@host, suspended or not."""
    return await state.store.accounts.by_handle(username, host)


async def fresh_copy(state: State, uri: str, max_age: float) -> Account | None:
    """The actor with this URI when it is local, or when its copy here was fetched less than
    `max_age` seconds ago; None when it has to be fetched (again)."""
    stored = await by_uri(state, uri)
    if stored and (stored.local or (time.time() - (stored.fetched_at or 0)) < max_age):
        return stored
    return None


async def public_key(state: State, key_id: str) -> tuple[str, str] | None:
    """(owner's actor URI, public key PEM) of a key id a known account publishes, or None."""
    account = await state.store.accounts.by_key_id(key_id)
    if account is not None and account.public_key_pem:
        return account.uri, account.public_key_pem
    return None


async def unsuspended(state: State, account_id: str) -> Account | None:
    """The account with this id as others see it: None when it is unknown or suspended."""
    account = await get(state, account_id)
    return None if account is None or account.suspended else account


async def by_acct(state: State, acct: str) -> Account | None:
    """The account a client names as `user` (local), `user@host` or `user@<this domain>`;
    None when it is unknown here or suspended."""
    username, _, host = acct.partition("@")
    local = not host or host.lower() == state.urls.domain
    account = await by_handle(state, username, None if local else host)
    return None if account is None or account.suspended else account


async def peer_domains(state: State, now: float | None = None) -> list[str]:
    """The domains of the remote accounts known here (this server's peers), listed at most
    every PEERS_LISTED_EVERY seconds per process: it reads an index of every known account,
    and anyone may ask."""
    now = now or time.time()
    taken = state.figures.get("peer_list")
    if taken is None or not 0 <= now - taken[0] <= PEERS_LISTED_EVERY:
        taken = state.figures["peer_list"] = (now, await state.store.accounts.known_domains())
    return list(taken[1])

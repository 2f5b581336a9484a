"""Finding accounts that may live on other servers (statuses: fedi.services.remote_notes)."""

from __future__ import annotations

import asyncio
import logging
import time

from fedi.activitypub.parse import host_of
from fedi.models import Account
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.services.state import State

log = logging.getLogger(__name__)
VIEW_MAX_AGE = 600.0  # a remote profile someone opens is fetched again when older than this
VIEW_TIMEOUT = 3.0  # ... but a reader waits at most this long for it
RETRY_AFTER = 300.0  # a server that failed to answer is not asked again for this long


async def account_by_uri(state: State, uri: str, *, refresh: bool = False) -> Account:
    if state.urls.is_local(uri):
        account = await state.store.accounts.by_uri(uri)
        if account is None:
            raise NotFound(f"no local actor {uri}")
        return account
    if state.domain_blocked(host_of(uri)):
        raise ServiceError(f"the domain of {uri} is blocked", 403)
    if not refresh:
        account = await state.store.accounts.by_uri(uri)
        if account is not None:
            return account
    if state.resolver is None:
        raise Unavailable("federation is not available")
    return await state.resolver.actor(uri, refresh=refresh)


async def refreshed(state: State, account: Account, max_age: float = VIEW_MAX_AGE) -> Account:
    """A remote account about to be shown, refetched from its server when the stored copy is
    older than `max_age` (so profile changes show without waiting for an Update that only
    followers' servers get). The stored copy when the server does not answer quickly."""
    if account.local or state.resolver is None or time.time() - (account.fetched_at or 0) < max_age:
        return account
    failed = state.refresh_failures
    if time.time() - failed.get(account.uri, 0) < RETRY_AFTER:
        return account
    try:
        return await asyncio.wait_for(state.resolver.actor(account.uri, refresh=True), VIEW_TIMEOUT)
    except (ServiceError, asyncio.TimeoutError) as exc:
        log.info("%s not refreshed: %s", account.uri, exc)
        if len(failed) > 10_000:
            failed.clear()
        failed[account.uri] = time.time()
        return account


async def account_by_handle(state: State, username: str, host: str | None) -> Account:
    host = (host or "").lower() or None
    if host is None or host == state.urls.domain:
        account = await state.store.accounts.by_handle(username, None)
        if account is None or account.suspended:
            raise NotFound(f"no local account @{username}")
        return account
    if state.domain_blocked(host):
        raise ServiceError(f"the domain {host} is blocked", 403)
    account = await state.store.accounts.by_handle(username, host)
    if account is not None:
        return account
    if state.resolver is None:
        raise Unavailable("federation is not available")
    actor_uri = await state.resolver.webfinger(username, host)
    return await account_by_uri(state, actor_uri)


async def account_by_reference(state: State, ref: str) -> Account:
    """An actor URI, or a handle written as user@host / @user@host / user."""
    ref = ref.strip()
    if ref.startswith(("http://", "https://")):
        return await account_by_uri(state, ref)
    handle = ref.lstrip("@")
    username, _, host = handle.partition("@")
    if not username:
        raise ServiceError(f"not an account reference: {ref!r}")
    return await account_by_handle(state, username, host or None)


async def interaction_template(state: State, username: str, host: str) -> str:
    """The page on the server of @username@host where they follow (or otherwise act on)
    something from elsewhere: a template with `{uri}` in it, from their WebFinger document."""
    if state.domain_blocked(host):
        raise ServiceError(f"{host} is blocked on this server.", 403)
    if state.resolver is None:
        raise Unavailable("federation is not available")
    try:
        return await state.resolver.subscribe_template(username, host)
    except NotFound as exc:  # the handle someone typed: a problem with what they entered
        raise ServiceError(exc.message) from None

"""Domains a local account blocks for itself (Mastodon's user-level domain blocks).

While a domain is blocked, its accounts count as blocked either way (`Blocks.either_way`):
their posts drop out of the blocker's timelines, threads and streams (`can_view`), new
posts of theirs are not written to the blocker's home feed, and follows either way are
refused. Their notifications to the blocker are no longer stored, and those already there
are deleted. Blocking also ends the blocker's follows (and follow requests) of accounts
there and rejects its followers (and follow requests) from there, so followers-only posts
stop going to that domain. Unblocking lifts the block only: nothing ended is restored.
"""

from __future__ import annotations

import re

from fedi.activitypub.parse import host_of
from fedi.models import Account
from fedi.services import follows
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::\d{{1,5}})?$")


def normalize(domain: str) -> str:
    """A domain as accounts carry it: lowercase host[:port], internationalized names in
    their ASCII form. A URL stands for its host."""
    value = str(domain or "").strip()
    if not value:
        raise ServiceError("Validation failed: Domain can't be blank")
    if "://" in value:
        value = host_of(value)
    host, colon, port = value.lower().rstrip("/").partition(":")
    try:
        host = host.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise ServiceError("Validation failed: Domain is not a valid domain name") from None
    value = host + colon + port
    if len(host) > 253 or not _DOMAIN.match(value):
        raise ServiceError("Validation failed: Domain is not a valid domain name")
    return value


def _own(state: State, domain: str) -> bool:
    ours = state.urls.domain
    return domain in (ours, ours.split(":")[0])


async def block(state: State, account: Account, domain: str) -> str:
    """Block a domain for the account (again, harmlessly) and end its follows either way
    with accounts there. Returns the normalized domain."""
    domain = normalize(domain)
    if _own(state, domain):
        raise ServiceError("Validation failed: Domain cannot be your own server")
    store = state.store

    async def write(tx):
        await tx.domain_blocks.add(account.id, domain)
        await tx.domain_blocks.clear_notifications(account.id, domain)

    await store.atomic(write)
    following, followers = await store.domain_blocks.follows_with(account.id, domain)
    others = await store.accounts.get_many(following + followers)
    for target_id in following:
        if target_id in others:
            await follows.unfollow(state, account, others[target_id])
    for follower_id in followers:
        if follower_id in others:
            try:
                await follows.reject(state, account, others[follower_id])
            except NotFound:  # withdrawn meanwhile
                pass
    return domain


async def unblock(state: State, account: Account, domain: str) -> str:
    domain = normalize(domain)
    await state.store.domain_blocks.remove(account.id, domain)
    return domain


async def blocked(state: State, account: Account, **paging) -> list[tuple[str, str]]:
    """(paging key, domain) of the domains the account blocks, newest first."""
    return await state.store.domain_blocks.page(account.id, **paging)

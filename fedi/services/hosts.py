"""Peer hosts as delivery and signing see them: whether a host still answers (a host that has
failed for long enough is marked unavailable and no longer delivered to, until it talks to us
again), which HTTP signature scheme it speaks, and the URL scheme its accounts use."""

from __future__ import annotations

from fedi.models import Host
from fedi.services.state import State


async def get(state: State, host: str) -> Host | None:
    """What this server remembers of a peer host (None: nothing yet)."""
    return await state.store.hosts.get(host)


async def signature_scheme(state: State, host: str) -> str | None:
    """The HTTP signature scheme the host is known to speak (None: not known)."""
    record = await get(state, host)
    return record.signature_scheme if record else None


async def signature_schemes(state: State) -> dict[str, str]:
    """Every host whose HTTP signature scheme is known: host -> scheme."""
    return await state.store.hosts.schemes()


async def set_scheme(state: State, host: str, scheme: str) -> None:
    await state.store.hosts.set_scheme(host, scheme)


async def unavailable(state: State) -> list[str]:
    """The hosts marked unavailable: nothing is delivered to them."""
    return await state.store.hosts.unavailable()


async def failing(state: State) -> list[Host]:
    """The hosts whose deliveries fail at the moment (for the admins' dashboard)."""
    return await state.store.hosts.failing()


async def record_success(state: State, host: str) -> None:
    """The host answered: its failures are forgotten, and it is available again."""
    await state.store.hosts.record_success(host)


async def record_failure(state: State, host: str, unavailable_after: float) -> bool:
    """A delivery to the host failed; True when it has now failed for `unavailable_after`
    seconds and was marked unavailable."""
    return await state.store.hosts.record_failure(host, unavailable_after)


async def url_scheme(state: State, host: str) -> str | None:
    """The URL scheme (https or http) of the accounts known on the host, if any is known."""
    known = await state.store.accounts.one_on_domain(host)
    return known.uri.split(":", 1)[0] if known else None

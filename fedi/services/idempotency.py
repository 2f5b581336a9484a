"""Idempotency keys: a request repeated with the same key gets the first request's result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fedi.services.state import State

TTL = 3600.0


class Idempotency:
    """(account id, Idempotency-Key) → the id the first request made, for `ttl` seconds.
    A request repeating a key that is still in flight waits for the first one's outcome."""

    def __init__(self, ttl: float = TTL):
        self.ttl = ttl
        self.entries: dict[tuple[str, str], tuple[float, asyncio.Future]] = {}

    async def once(self, key: tuple[str, str], make: Callable[[], Awaitable[str]]) -> str:
        now = time.monotonic()
        for k in [k for k, (expires, _) in self.entries.items() if expires < now]:
            del self.entries[k]
        while key in self.entries:
            try:
                return await asyncio.shield(self.entries[key][1])
            except Exception:  # noqa: BLE001, S112 - the first attempt failed: try again
                continue
        future = asyncio.get_running_loop().create_future()
        self.entries[key] = (now + self.ttl, future)
        try:
            result = await make()
        except BaseException as exc:
            self.entries.pop(key, None)
            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
            future.exception()  # retrieved: waiters retry, nobody else needs it
            raise
        future.set_result(result)
        return result


def keys(state: State) -> Idempotency:
    """The instance's key store for new posts."""
    return state.extras.setdefault("statuses.idempotency", Idempotency())

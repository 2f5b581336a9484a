"""What one process keeps in memory for the instance, behind small interfaces.

Rate windows (failed log-ins, sign-ups, the client API's request counts) and idempotency
keys live in the process that saw the requests. Services use them only through the Protocols below, as typed fields of
`State`, so that an implementation shared by several processes can take their place.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

IDEMPOTENCY_TTL = 3600.0


class RateWindow(Protocol):
    """At most so many events per key in a sliding window of time."""

    def blocked(self, key: str) -> bool: ...
    def hit(self, key: str) -> None: ...


class FixedWindows(Protocol):
    """Requests counted per key in fixed windows of time (the client API's rate limits)."""

    def count(self, key: str, now: float, window: float) -> tuple[float, int]:
        """Count one more request for `key`: (start of its current window, requests in it)."""
        ...

    def clear(self) -> None: ...


class VersionedRecords(Protocol):
    """Records kept between requests with the version the database gave them: a caller uses
    one only after the database confirms its version is still the current one. (A version
    may be any value compared with ==, such as what a rendering was made from.)"""

    def get(self, key: str) -> tuple[object, object] | None: ...
    def put(self, key: str, version: object, record) -> None: ...


class IdempotencyKeys(Protocol):
    """(account id, Idempotency-Key) → the id the first request with that key made."""

    async def once(self, key: tuple[str, str], make: Callable[[], Awaitable[str]]) -> str: ...


class SlidingWindow:
    """At most `limit` events per key in the last `window` seconds (in memory, per process)."""

    def __init__(self, limit: int = 10, window: float = 300.0, max_keys: int = 100_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.events: dict[str, deque] = {}

    def _recent(self, key: str, now: float) -> deque:
        events = self.events.get(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        return len(self._recent(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> None:
        now = time.monotonic()
        if len(self.events) >= self.max_keys:
            for stale in [k for k in self.events if not self._recent(k, now)]:
                del self.events[stale]
        self.events[key] = self._recent(key, now)
        self.events[key].append(now)


class CountingWindows:
    """Fixed windows counted in memory, per process; forgets every key past `max_keys`."""

    def __init__(self, max_keys: int = 100_000):
        self.max_keys = max_keys
        self.buckets: dict[str, tuple[float, int]] = {}

    def count(self, key: str, now: float, window: float) -> tuple[float, int]:
        start, count = self.buckets.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        if len(self.buckets) >= self.max_keys and key not in self.buckets:
            self.buckets.clear()
        self.buckets[key] = (start, count + 1)
        return start, count + 1

    def clear(self) -> None:
        self.buckets.clear()


class KeptRecords:
    """Versioned records in memory, per process; the oldest kept go first past `max_items`.
    Records are shared by the requests that use them: nothing may change one in place."""

    def __init__(self, max_items: int = 5_000):  # a few kB each
        self.max_items = max_items
        self.items: dict[str, tuple[object, object]] = {}

    def get(self, key: str) -> tuple[object, object] | None:
        return self.items.get(key)

    def put(self, key: str, version: object, record) -> None:
        if len(self.items) >= self.max_items and key not in self.items:
            del self.items[next(iter(self.items))]
        self.items[key] = (version, record)


class Idempotency:
    """Idempotency keys in memory, for `ttl` seconds. A request repeating a key that is still
    in flight waits for the first one's outcome."""

    def __init__(self, ttl: float = IDEMPOTENCY_TTL):
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

"""What one process keeps in memory for the instance, behind small interfaces.

Rate windows (failed log-ins, sign-ups, the client API's request counts) and idempotency
keys live in the process that saw the requests. Services use them only through the Protocols below, as typed fields of
`State`, so that an implementation shared by several processes can take their place.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

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


class StoredIdempotency:
    """Idempotency keys in the database, for every process sharing it: the first request
    with a key claims it and makes the result; a repeat (in any process) waits for that
    result, or claims the key itself when the first one failed. Keys last `ttl` seconds."""

    def __init__(self, store, ttl: float = IDEMPOTENCY_TTL, wait: float = 30.0):
        self.store, self.ttl, self.wait = store, ttl, wait

    async def once(self, key: tuple[str, str], make: Callable[[], Awaitable[str]]) -> str:
        account_id, name = key
        keys = self.store.idempotency_keys
        deadline = time.monotonic() + self.wait
        pause = 0.02
        while True:
            if await keys.claim(account_id, name, time.time(), self.ttl):
                try:
                    result = await make()
                except BaseException:
                    await asyncio.shield(keys.release(account_id, name))
                    raise
                await keys.fulfil(account_id, name, result)
                return result
            claimed, result = await keys.get(account_id, name)
            if result is not None:
                return result
            if claimed and time.monotonic() > deadline:
                raise TimeoutError("the first request with this Idempotency-Key is still running")
            if claimed:
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.25)

    async def purge(self) -> int:
        """Forget keys older than the time they are kept (a housekeeping chore)."""
        return await self.store.idempotency_keys.purge(time.time() - self.ttl)


class SharedWindows:
    """FixedWindows counted by every process sharing the database. Windows are aligned to
    the clock (a window of 300 s starts at a multiple of 300 s), so that every process means
    the same window. A request counts here at once; about every `flush_every` seconds the
    requests counted since are added to the database's total, and the total comes back: a
    key's count is its total as of that moment plus what this process counted since."""

    def __init__(self, store, flush_every: float = 1.0, max_keys: int = 100_000):
        self.store, self.flush_every, self.max_keys = store, flush_every, max_keys
        self.windows: dict[tuple[str, float], list] = {}  # (key, start) -> [known total, unsent, end]
        self._reset = False

    def count(self, key: str, now: float, window: float) -> tuple[float, int]:
        start = now - now % window
        entry = self.windows.get((key, start))
        if entry is None:
            if len(self.windows) >= self.max_keys:
                self._forget(now)
            entry = self.windows[(key, start)] = [0, 0, start + window]
        entry[1] += 1
        return start, entry[0] + entry[1]

    async def flush(self) -> None:
        """Send what was counted since the last flush, and learn the totals."""
        if self._reset:
            self._reset = False
            await self.store.rate_counts.purge(float("inf"))
        sending = [(k, e[1]) for k, e in self.windows.items() if e[1]]
        if not sending:
            return
        totals = await self.store.rate_counts.add([(key, start, n) for (key, start), n in sending])
        for ((key, start), n), total in zip(sending, totals):
            entry = self.windows.get((key, start))
            if entry is not None:
                entry[0], entry[1] = total, entry[1] - n  # what was counted meanwhile stays unsent
        self._forget(time.time())

    def _forget(self, now: float) -> None:
        for k in [k for k, e in self.windows.items() if e[2] <= now and not e[1]]:
            del self.windows[k]

    async def run(self) -> None:
        """Flush every `flush_every` seconds, until cancelled (one task per process)."""
        while True:
            await asyncio.sleep(self.flush_every)
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - counted again at the next flush
                log.warning("request counts not shared", exc_info=True)

    async def purge(self) -> int:
        """Forget windows that ended a day ago or more (a housekeeping chore)."""
        return await self.store.rate_counts.purge(time.time() - 86400)

    def clear(self) -> None:
        """Forget every count, here and (at the next flush) in the database."""
        self.windows.clear()
        self._reset = True

"""A small pool of asyncpg connections.

asyncpg's own pool costs about 50 µs of CPU for each connection taken and given back (a
holder, a queue, a shielded release, listener checks): a third of a whole round trip to
PostgreSQL on the machines fedi is measured on, and fedi takes a connection for every
statement it reads. This pool does only what fedi needs: hand out an idle connection, open
a new one up to `max_size`, queue the rest in order, and drop a connection whose state is
not known to be clean (lost, inside a transaction, or interrupted in the middle of a
statement) so that the next caller gets a fresh one.

Connections go back as they are. asyncpg's pool runs a reset statement on every release
(advisory locks, cursors, LISTEN, settings: a round trip per read) and arms an inactivity
timer that the next acquire cancels; pooled connections hold none of those (LISTEN and the
node's advisory lock live on a connection of their own, and every transaction has ended when
a connection goes back), and idle ones stay open (at most `max_size` per process).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Awaitable, Callable


class PoolClosed(RuntimeError):
    pass


class Pool:
    def __init__(self, connect: Callable[[], Awaitable[Any]], *, min_size: int = 1, max_size: int = 10):
        if max_size < 1 or not 0 <= min_size <= max_size:
            raise ValueError("a pool needs 0 <= min_size <= max_size and max_size >= 1")
        self._connect = connect
        self.min_size, self.max_size = min_size, max_size
        self._idle: deque = deque()
        # Callers waiting for a connection, oldest first. A waiter's future is given a
        # connection, or None: "a place is free, open one yourself".
        self._waiters: deque[asyncio.Future] = deque()
        self._size = 0  # connections open or being opened
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def open(self) -> None:
        for _ in range(self.min_size - self._size):
            self._size += 1
            try:
                conn = await self._connect()
            except BaseException:
                self._size -= 1
                raise
            self._idle.append(conn)

    async def acquire(self):
        """A connection for the caller alone until it calls `release`."""
        while True:
            if self._closed:
                raise PoolClosed("the database's connection pool is closed")
            while self._idle:
                conn = self._idle.pop()  # the most recently used: its caches are warm
                if not conn.is_closed():
                    return conn
                self._size -= 1
            if self._size < self.max_size:
                self._size += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._size -= 1
                    self._pass_place()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                conn = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    handed = waiter.result()
                    if handed is None:
                        self._pass_place()
                    else:
                        self.release(handed)
                else:
                    try:
                        self._waiters.remove(waiter)
                    except ValueError:
                        pass
                raise
            if conn is not None:
                return conn

    def release(self, conn, *, broken: bool = False) -> None:
        """Give a connection back. `broken`: its last statement was interrupted (cancelled,
        timed out, or the connection failed), so its state is unknown and it is closed."""
        if broken or self._closed or conn.is_closed() or conn.is_in_transaction():
            self._size -= 1
            if not conn.is_closed():
                conn.terminate()
            self._pass_place()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _pass_place(self) -> None:
        """A connection was dropped: the oldest waiter may open one in its place."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def connection(self) -> "_Lease":
        """`async with pool.connection() as conn:` acquire, and release on the way out."""
        return _Lease(self)

    async def close(self) -> None:
        """Close the idle connections; those in use are closed as they come back."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("the database's connection pool is closed"))
        idle, self._idle = list(self._idle), deque()
        self._size -= len(idle)
        for conn in idle:
            try:
                await asyncio.wait_for(conn.close(), 5)
            except (Exception, asyncio.TimeoutError):  # noqa: BLE001 - closing anyway
                conn.terminate()


class _Lease:
    __slots__ = ("pool", "conn")

    def __init__(self, pool: Pool):
        self.pool = pool
        self.conn = None

    async def __aenter__(self):
        self.conn = await self.pool.acquire()
        return self.conn

    async def __aexit__(self, kind, exc, tb) -> None:
        self.pool.release(self.conn, broken=kind is not None and not _clean_failure(exc))


def _clean_failure(exc: BaseException) -> bool:
    """Whether the connection is fine after this exception: PostgreSQL refused the statement
    and said so (the connection waits for the next one), as opposed to a cancelled or timed
    out statement, or a lost connection."""
    import asyncpg

    return isinstance(exc, asyncpg.PostgresError) or not isinstance(
        exc, (asyncio.CancelledError, asyncio.TimeoutError, asyncpg.InterfaceError, OSError))

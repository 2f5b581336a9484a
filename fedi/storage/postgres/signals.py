"""Messages between the processes that share one PostgreSQL database: LISTEN/NOTIFY.

A process sends short text messages on a channel; every process listening on it (itself
included) receives them, in the order they were committed. Messages are not stored: a
process that is not connected when one is sent never sees it, so they only ever say
"look again" (a job is due, a setting changed) or carry what a live stream shows now.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

MAX_PAYLOAD = 7900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
RECONNECT_AFTER = 1.0  # seconds
NODE_LOCKS = 74143902  # the advisory lock space of id generators' node numbers


class PgSignals:
    """LISTEN on a connection of its own; NOTIFY with `execute(sql, params)`, a pooled
    statement of its own (fedi.storage.postgres.db.PgDatabase.execute)."""

    def __init__(self, url: str, execute: Callable[[str, tuple], Awaitable[object]]):
        self.url = url
        self._execute = execute
        self.handlers: dict[str, list[Callable[[str], None]]] = {}
        self._conn = None
        self._closing = False
        self.node: int | None = None
        self._nodes = 0  # how many node numbers there are (claim_node's argument)
        self._node_changed: Callable[[int | None], None] | None = None
        self._reconnected: list[Callable[[], Awaitable[object]]] = []

    def on_reconnect(self, callback: Callable[[], Awaitable[object]]) -> None:
        """Run `callback` each time listening starts again after the connection was lost
        (messages sent meanwhile are lost: look again at what they would have said)."""
        self._reconnected.append(callback)

    async def listen(self, channel: str, handler: Callable[[str], None]) -> None:
        """Call handler(payload) for every message on the channel from now on."""
        first = channel not in self.handlers
        self.handlers.setdefault(channel, []).append(handler)
        if first:
            conn = await self._connection()
            await conn.add_listener(channel, self._dispatch)

    async def claim_node(self, nodes: int, changed: Callable[[int | None], None] | None = None) -> int | None:
        """A number below `nodes` that no other live process holds, for as long as this
        process is connected (a session advisory lock on the listening connection: a
        process that dies lets go of it). None when all are taken.

        The lock goes with the connection. `changed(None)` is called as soon as the
        connection is lost (another process may take the number from then on), and
        `changed(number)` once a number is held again after reconnecting."""
        self._nodes, self._node_changed = nodes, changed
        return await self._claim(await self._connection(), prefer=None)

    async def _claim(self, conn, prefer: int | None) -> int | None:
        order = list(range(self._nodes))
        if prefer is not None:
            order.remove(prefer)
            order.insert(0, prefer)
        self.node = None
        for node in order:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", NODE_LOCKS, node):
                self.node = node
                break
        return self.node

    async def notify(self, channel: str, payload: str) -> None:
        if len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"a message on {channel} is too long ({len(payload)} characters)")
        await self._execute("SELECT pg_notify(?, ?)", (channel, payload))

    def _dispatch(self, _conn, _pid, channel: str, payload: str) -> None:
        for handler in self.handlers.get(channel, ()):
            try:
                handler(payload)
            except Exception:  # noqa: BLE001 - one handler's failure never silences the others
                log.exception("handler of %s failed", channel)

    async def _connection(self):
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.url)
            self._conn.add_termination_listener(self._lost)
        return self._conn

    def _lost(self, _conn) -> None:
        """The listening connection ended: the node number is no longer ours; listen again on
        a new connection (what was sent meanwhile is lost, which the messages' meaning allows:
        the `on_reconnect` callbacks look again)."""
        if self._closing:
            return
        held = self.node
        if self._node_changed is not None and held is not None:
            self._node_changed(None)
        asyncio.get_running_loop().create_task(self._relisten(held))

    async def _relisten(self, held: int | None) -> None:
        while not self._closing:
            await asyncio.sleep(RECONNECT_AFTER)
            try:
                conn = await self._connection()
                for channel in self.handlers:
                    await conn.add_listener(channel, self._dispatch)
                if self._nodes:
                    node = await self._claim(conn, prefer=held)
                    if self._node_changed is not None and node is not None:
                        self._node_changed(node)
                break
            except Exception:  # noqa: BLE001 - the database may be down a while
                log.warning("cannot listen to the database's messages yet", exc_info=True)
        else:
            return
        log.info("listening to the database's messages again")
        for callback in self._reconnected:
            try:
                await callback()
            except Exception:  # noqa: BLE001
                log.exception("catching up after reconnecting failed")

    async def close(self) -> None:
        self._closing = True
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
        self._conn = None

"""SQLite through aiosqlite: WAL, one writer with group commits, pooled readers.

Every write goes through a single writer connection. Writes are queued as
operations; the writer takes whatever has queued up, runs it in one
transaction and commits once, so a burst of concurrent writers shares one
commit. If any operation in a batch fails, the batch is rolled back and each
operation is retried in a transaction of its own, so one bad write never takes
others down with it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiosqlite

log = logging.getLogger(__name__)

MAX_BATCH = 512
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across process crashes in WAL mode
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA temp_store=MEMORY",
)


class Tx:
    """Executes statements on the writer connection inside the current batch."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def fetchone(self, sql: str, params=()) -> sqlite3.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params=()) -> int:
        async with self.conn.execute(sql, params) as cur:
            return cur.rowcount

    async def write_fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        return await self.fetchall(sql, params)

    async def executemany(self, sql: str, rows) -> None:
        await self.conn.executemany(sql, rows)


WriteOp = Callable[[Tx], Awaitable[Any]]


class Database:
    def __init__(self, path: str | Path, readers: int = 2):
        self.path = str(path)
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = itertools.cycle(range(readers))
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._closing = False
        self.commits = 0  # for benchmarks and tests

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        return conn

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._closing = False
        self._writer = await self._connect()
        self._readers = [await self._connect() for _ in range(self._reader_count)]
        self._task = asyncio.create_task(self._writer_loop(), name="sqlite-writer")

    async def close(self) -> None:
        self._closing = True
        if self._task:
            await self._queue.put(None)
            await self._task
            self._task = None
        for conn in [self._writer, *self._readers]:
            if conn is not None:
                await conn.close()
        self._writer, self._readers = None, []

    # Reads -------------------------------------------------------------
    def _reader(self) -> aiosqlite.Connection:
        return self._readers[next(self._next_reader)]

    async def fetchone(self, sql: str, params=()) -> sqlite3.Row | None:
        async with self._reader().execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        return list(await self._reader().execute_fetchall(sql, params))

    # Writes ------------------------------------------------------------
    async def write(self, op: WriteOp) -> Any:
        if self._task is None or self._closing:
            raise RuntimeError("database is not open")
        fut = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, fut))
        return await fut

    async def execute(self, sql: str, params=()) -> int:
        return await self.write(lambda tx: tx.execute(sql, params))

    async def executemany(self, sql: str, rows) -> None:
        rows = list(rows)
        await self.write(lambda tx: tx.executemany(sql, rows))

    async def write_fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        """A writing statement that returns rows (UPDATE ... RETURNING), on the writer."""
        return await self.write(lambda tx: tx.fetchall(sql, params))

    async def _writer_loop(self) -> None:
        stopping = False
        while not stopping:
            item = await self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            await self._run_batch(batch)

    async def _run_batch(self, batch) -> None:
        conn = self._writer
        tx = Tx(conn)
        results = []
        try:
            await conn.execute("BEGIN IMMEDIATE")
            for op, _ in batch:
                results.append(await op(tx))
            await conn.commit()
            self.commits += 1
        except BaseException:
            await self._safe_rollback()
            if _being_cancelled():
                for _, fut in batch:
                    fut.cancel()
                raise
            if len(batch) == 1:
                # Re-run alone only to report its own error.
                await self._run_single(batch[0])
                return
            for item in batch:
                await self._run_single(item)
            return
        for (_, fut), result in zip(batch, results):
            if not fut.done():
                fut.set_result(result)

    async def _run_single(self, item) -> None:
        op, fut = item
        conn = self._writer
        try:
            await conn.execute("BEGIN IMMEDIATE")
            result = await op(Tx(conn))
            await conn.commit()
            self.commits += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            await self._safe_rollback()
            if _being_cancelled():
                fut.cancel()
                raise
            if not fut.done():
                if isinstance(exc, asyncio.CancelledError):
                    fut.cancel()
                else:
                    fut.set_exception(exc)
            return
        if not fut.done():
            fut.set_result(result)

    async def _safe_rollback(self) -> None:
        try:
            if self._writer.in_transaction:
                await self._writer.rollback()
        except sqlite3.Error:  # pragma: no cover - nothing left to undo
            log.exception("rollback failed")

    # Migrations --------------------------------------------------------
    async def migrate(self) -> list[str]:
        """Apply numbered, forward-only migrations. Returns the names applied."""
        return await self.write(_apply_migrations)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def migration_files() -> list[tuple[int, str, str]]:
    root = resources.files("fedi.storage.sqlite") / "migrations"
    found = []
    for entry in root.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _split_sql(script: str) -> list[str]:
    statements, buf = [], []
    for line in script.splitlines():
        stripped = line.split("--", 1)[0] if not line.lstrip().startswith("--") else ""
        buf.append(stripped)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        statements.append(rest)
    return statements


async def _apply_migrations(tx: Tx) -> list[str]:
    await tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)"
    )
    done = {row[0] for row in await tx.fetchall("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, script in migration_files():
        if version in done:
            continue
        for statement in _split_sql(script):
            await tx.execute(statement)
        await tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s','now'))",
            (version, name),
        )
        applied.append(name)
    return applied

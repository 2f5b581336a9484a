"""SQLite: WAL, one writer with group commits on the event loop, pooled readers.

Every write goes through a single writer connection. Writes are queued as
operations; the writer takes whatever has queued up, runs it in one
transaction and commits once, so a burst of concurrent writers shares one
commit. If any operation in a batch fails, the batch is rolled back and each
operation is retried in a transaction of its own, so one bad write never takes
others down with it.

The writer runs its statements directly on the event loop thread: short
indexed writes take microseconds, and in WAL mode with synchronous=NORMAL a
commit does not wait for the disk, so a hop to a worker thread per statement
would cost far more than the statement. WAL checkpoints (which do wait for the
disk) run in a background thread instead of at commit. Reads by key run on the
loop thread too; reads that may scan are tried there within a time budget and go
through aiosqlite connections in their own threads when they overrun it (`inline`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiosqlite

from fedi.storage.errors import Conflict, SchemaTooNew
from fedi.storage.sqlite.inline import InlineReads
from fedi.storage.migrations import migration_files as _migration_files
from fedi.storage.sqlite import text

log = logging.getLogger(__name__)

MAX_BATCH = 512
BUSY_WAIT = 10.0  # seconds the writer waits for another process's write lock
CHECKPOINT_EVERY = 1.0  # seconds between background WAL checkpoints
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across process crashes in WAL mode
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
)


class Tx:
    """Executes statements on the writer connection inside the current batch."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.callbacks: list[Callable[[], None]] = []

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run fn once this transaction has committed (never if it rolls back)."""
        self.callbacks.append(fn)

    async def fetchone(self, sql: str, params=()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    async def fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    async def aggregate(self, sql: str, params=()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    async def fetchkeyed(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    async def execute(self, sql: str, params=()) -> int:
        return self.conn.execute(sql, params).rowcount

    async def write_fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    async def executemany(self, sql: str, rows) -> None:
        self.conn.executemany(sql, rows)


WriteOp = Callable[[Tx], Awaitable[Any]]


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Database:
    dialect = "sqlite"  # repositories ask only where the two backends' SQL must differ
    def __init__(self, path: str | Path, readers: int = 2):
        self.path = str(path)
        self._reader_count = readers
        self._writer: sqlite3.Connection | None = None
        self._point: sqlite3.Connection | None = None
        self._point_open = False  # a read transaction on _point until the loop's next turn
        self.inline = InlineReads()  # reads that may scan, tried on the loop thread first
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = itertools.cycle(range(readers))
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._checkpointer: asyncio.Task | None = None
        self._closing = False
        self._dirty = False
        self.commits = 0  # for benchmarks and tests

    async def _connect_reader(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for name, arity, fn in text.FUNCTIONS:
            await conn.create_function(name, arity, fn, deterministic=True)
        for pragma in (*PRAGMAS, "PRAGMA busy_timeout=5000"):
            await conn.execute(pragma)
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        text.register(conn)
        for pragma in (*PRAGMAS, "PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0"):
            conn.execute(pragma)
        return conn

    def _connect_point_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        text.register(conn)
        for pragma in (*PRAGMAS, "PRAGMA busy_timeout=100", "PRAGMA query_only=ON"):
            conn.execute(pragma)
        return conn

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._closing = False
        self._writer = await asyncio.to_thread(self._connect_writer)
        self._point = await asyncio.to_thread(self._connect_point_reader)
        self._readers = [await self._connect_reader() for _ in range(self._reader_count)]
        self._task = asyncio.create_task(self._writer_loop(), name="sqlite-writer")
        self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="sqlite-checkpoint")

    async def close(self) -> None:
        self._closing = True
        if self._task:
            await self._queue.put(None)
            await self._task
            self._task = None
        if self._checkpointer:
            self._checkpointer.cancel()
            try:
                await self._checkpointer
            except asyncio.CancelledError:
                pass
            self._checkpointer = None
        for conn in self._readers:
            await conn.close()
        if self._point is not None:
            self._end_point_read()
            self._point.close()
            self._point = None
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(_close_writer, writer)
        self._readers = []

    # Reads -------------------------------------------------------------
    def _reader(self) -> aiosqlite.Connection:
        return self._readers[next(self._next_reader)]

    def _point_reader(self) -> sqlite3.Connection:
        """The loop thread's read connection, inside a read transaction that lasts until the
        end of this turn of the event loop. Reads in one turn then share one snapshot and one
        lock: a statement on its own takes and drops the WAL read lock (two fcntl calls and a
        stat, about half its cost). A write awaited by a handler completes in an earlier turn
        than the handler's next read, or after this transaction began, in which case the
        handler resumes after it has ended: a handler always reads its own writes."""
        conn = self._point
        if not self._point_open:
            conn.execute("BEGIN")
            self._point_open = True
            asyncio.get_running_loop().call_soon(self._end_point_read)
        return conn

    def _end_point_read(self) -> None:
        self._point_open = False
        if self._point is not None and self._point.in_transaction:
            self._point.execute("COMMIT")

    async def fetchone(self, sql: str, params=()) -> sqlite3.Row | None:
        """A single-row lookup by key, run on the loop thread (microseconds, no hop)."""
        return self._point_reader().execute(sql, params).fetchone()

    async def fetchkeyed(self, sql: str, params=()) -> list[sqlite3.Row]:
        """A few rows found through an index (no scan), run on the loop thread."""
        return self._point_reader().execute(sql, params).fetchall()

    async def aggregate(self, sql: str, params=()) -> sqlite3.Row | None:
        """A one-row query that may scan (count, min, ...), run in a reader thread."""
        rows = await self._reader().execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        """Rows of a query that may scan: at once if it fits the loop's budget, else in a
        reader thread."""
        rows = self.inline.run(self._point_reader(), sql, params)
        if rows is None:
            rows = list(await self._reader().execute_fetchall(sql, params))
        return rows

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

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting (without blocking the loop) while another process writes."""
        deadline = time.monotonic() + BUSY_WAIT
        pause = 0.002
        while True:
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _commit(self, tx: Tx) -> None:
        self._writer.execute("COMMIT")
        self.commits += 1
        self._dirty = True
        for fn in tx.callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - a listener's failure never undoes a commit
                log.exception("after-commit callback failed")

    async def _run_batch(self, batch) -> None:
        tx = Tx(self._writer)
        results = []
        try:
            await self._begin()
            for op, _ in batch:
                results.append(await op(tx))
            self._commit(tx)
        except BaseException:
            self._safe_rollback()
            if _being_cancelled():
                for _, fut in batch:
                    fut.cancel()
                raise
            for item in batch:
                await self._run_single(item)
            return
        for (_, fut), result in zip(batch, results):
            if not fut.done():
                fut.set_result(result)

    async def _run_single(self, item) -> None:
        op, fut = item
        try:
            await self._begin()
            tx = Tx(self._writer)
            result = await op(tx)
            self._commit(tx)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            self._safe_rollback()
            if _being_cancelled():
                fut.cancel()
                raise
            if not fut.done():
                if isinstance(exc, asyncio.CancelledError):
                    fut.cancel()
                elif isinstance(exc, sqlite3.IntegrityError):
                    fut.set_exception(Conflict(str(exc)))
                else:
                    fut.set_exception(exc)
            return
        if not fut.done():
            fut.set_result(result)

    def _safe_rollback(self) -> None:
        try:
            if self._writer.in_transaction:
                self._writer.execute("ROLLBACK")
        except sqlite3.Error:  # pragma: no cover - nothing left to undo
            log.exception("rollback failed")

    # WAL checkpoints -----------------------------------------------------
    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY)
            if self._dirty:
                self._dirty = False
                try:
                    await self._reader().execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed", exc_info=True)

    # Migrations --------------------------------------------------------
    async def migrate(self) -> list[str]:
        """Apply numbered, forward-only migrations. Returns the names applied."""
        return await self.write(_apply_migrations)


def _close_writer(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass
    conn.close()


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def migration_files() -> list[tuple[int, str, str]]:
    return _migration_files("fedi.storage.sqlite")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; sqlite3.complete_statement understands
    trigger bodies (BEGIN ... END;), so a statement ends only where SQLite says so."""
    statements, buf = [], []
    for line in script.splitlines():
        if line.lstrip().startswith("--"):
            continue
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined and sqlite3.complete_statement(joined):
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
    files = migration_files()
    known = max(version for version, _, _ in files)
    if done and max(done) > known:
        raise SchemaTooNew(max(done), known)
    applied = []
    for version, name, script in files:
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

"""PostgreSQL through asyncpg, behind the same executor interface as fedi.storage.sqlite.db.

The repositories of fedi.storage.sqlite run on both backends: their SQL is written in the
subset both databases understand, with `?` (or `?N`) placeholders. This module rewrites a
statement once for PostgreSQL (placeholders to `$N`, SQLite's case-insensitive `LIKE` to
`ILIKE`, a list bound as one parameter to an array, `INDEXED BY` hints dropped) and
keeps the result.

Reads take a pooled connection (fedi.storage.postgres.pool) for one statement. A write
operation (`write(op)`) runs in one SERIALIZABLE transaction on one pooled connection: the
repositories and services were written for SQLite, where one writer at a time makes every
read-then-write sequence safe, and serializable transactions keep that true with several
writers (PostgreSQL reports a duplicate key that a concurrent transaction made after this
one looked for it as a serialization failure). A transaction that loses such a race, or a
deadlock, is run again from the start. A single statement outside `atomic` runs on its own
at READ COMMITTED.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from typing import Any, Awaitable, Callable

from fedi.storage.errors import Conflict, SchemaTooNew
from fedi.storage.migrations import migration_files as _migration_files

log = logging.getLogger(__name__)

# Attempts of a write that lost a serialization race or a deadlock: with n writers on one row,
# each round lets at least one of them commit.
RETRIES = 40
_TOKEN = re.compile(
    r"'(?:[^']|'')*'"  # a string literal, left alone
    r"|\?(\d*)"  # a placeholder
    r"|\bIS\s+(?:NOT\s+)?(?=\?)"  # x IS [NOT] ?: SQLite's null-safe (in)equality
    r"|\bLIKE\b"  # SQLite's LIKE ignores the case of ASCII letters
    r"|\binstr\("
    r"|\bjson_extract\((\w+), '\$\.(\w+)'\)"
    r"|\bINDEXED BY\s+\w+\s*"  # a SQLite planner hint
    r"|^\s*INSERT OR IGNORE INTO\b"
    r"|\b(NOT\s+)?IN\s*\(SELECT value FROM json_each\(\?(\d*)\)\)"  # a list bound as one parameter
    r"|\bjson_each\(\?(\d*)\) AS (\w+)",  # the same list as a table
    re.IGNORECASE)
_RETURNING = re.compile(r"\sRETURNING\s", re.IGNORECASE)
_translated: dict[str, str] = {}


def translate(sql: str) -> str:
    """SQLite-flavoured SQL (the subset fedi writes) for PostgreSQL."""
    done = _translated.get(sql)
    if done is not None:
        return done
    counter = 0
    ignore = False

    def replace(match: re.Match) -> str:
        nonlocal counter, ignore
        text = match.group(0)
        if text.startswith("'"):
            return text
        if text.startswith("?") or match.group(5) is not None or match.group(6) is not None:
            number = match.group(1) if text.startswith("?") else match.group(5) or match.group(6)
            if number:  # ?N; a later bare ? is one more than the largest N so far
                counter = max(counter, int(number))
            else:
                counter += 1
                number = str(counter)
            if text.startswith("?"):
                return "$" + number
            if match.group(6) is not None:
                return f"unnest(CAST(${number} AS TEXT[])) AS {match.group(7)}(value)"
            # fedi.storage.sqlite.values: an array parameter, as a subquery: the planner then
            # probes an index once per value, where `= ANY` on an index's second column is
            # a filter over every row of the first (all of a reader's favourites)
            return f"{match.group(4) or ''}IN (SELECT unnest(CAST(${number} AS TEXT[])))"
        word = text.split("(")[0].strip().upper()
        if word.startswith("IS"):
            return "IS DISTINCT FROM " if "NOT" in text.upper() else "IS NOT DISTINCT FROM "
        if word == "LIKE":
            return "ILIKE"
        if word == "INSTR":
            return "strpos("
        if word == "JSON_EXTRACT":
            return f"({match.group(2)}::jsonb ->> '{match.group(3)}')"
        if word.startswith("INSERT"):
            ignore = True
            return text[: len(text) - len(text.lstrip())] + "INSERT INTO"
        return ""  # INDEXED BY

    done = _TOKEN.sub(replace, sql)
    if ignore:  # INSERT OR IGNORE: ON CONFLICT DO NOTHING, before any RETURNING
        returning = _RETURNING.search(done)
        at = returning.start() if returning else len(done.rstrip().rstrip(";"))
        done = done[:at] + " ON CONFLICT DO NOTHING" + done[at:]
    if len(_translated) > 4096:
        _translated.clear()
    _translated[sql] = done
    return done


def _rowcount(status: str) -> int:
    """The number of rows an INSERT/UPDATE/DELETE touched, from its command tag."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgTx:
    """Executes statements on one connection inside the current transaction."""

    dialect = "postgresql"

    def __init__(self, conn):
        self.conn = conn
        self.callbacks: list[Callable[[], None]] = []

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run fn once this transaction has committed (never if it rolls back)."""
        self.callbacks.append(fn)

    async def fetchone(self, sql: str, params=()):
        return await self.conn.fetchrow(translate(sql), *params)

    async def fetchall(self, sql: str, params=()) -> list:
        return await self.conn.fetch(translate(sql), *params)

    async def aggregate(self, sql: str, params=()):
        return await self.conn.fetchrow(translate(sql), *params)

    async def fetchkeyed(self, sql: str, params=()) -> list:
        return await self.conn.fetch(translate(sql), *params)

    async def execute(self, sql: str, params=()) -> int:
        return _rowcount(await self.conn.execute(translate(sql), *params))

    async def write_fetchall(self, sql: str, params=()) -> list:
        return await self.conn.fetch(translate(sql), *params)

    async def executemany(self, sql: str, rows) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            await self.conn.executemany(translate(sql), rows)


WriteOp = Callable[[PgTx], Awaitable[Any]]


# fedi's reads are keyed lookups of a few rows whose pages are in memory or on SSD; with the
# default random_page_cost (4, for spinning disks) the planner reads a whole table of
# counters rather than probe its index 20 times (1.2 ms against 0.4 for a page's accounts).
# asyncpg prepares every statement; by default PostgreSQL plans a prepared statement anew for
# each execution whenever its one plan for any parameters looks costlier (always, with a
# LIMIT $n), and planning a page's statements took more of its CPU than running them. Each
# statement is planned once per connection instead: they are keyed lookups and index ranges
# whose best plan does not depend on the values. A generic plan does not know a LIMIT's value
# and costs it as a tenth of the rows: on a large table (a home feed at 1M posts) it then
# started two parallel workers for a page of 20, which cost 3-5 ms to start for 0.1 ms of
# work. fedi's statements read a few rows each, so its sessions run no parallel plans.
SESSION_SETTINGS = {"random_page_cost": "1.1", "plan_cache_mode": "force_generic_plan",
                    "max_parallel_workers_per_gather": "0"}
# How long a pooled statement may take before the client gives up on it. Maintenance
# (migrations, `db copy`, VACUUM) runs on a connection of its own without this limit: on a
# large database it can take minutes.
COMMAND_TIMEOUT = 60.0


class PgDatabase:
    """A pool of asyncpg connections to one PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10):
        self.url = url
        self.min_size, self.max_size = min_size, max_size
        self.pool = None
        self.signals = None  # messages between processes (fedi.storage.postgres.signals)
        self.commits = 0  # for benchmarks and tests

    async def open(self) -> None:
        import asyncpg

        from fedi.storage.postgres.pool import Pool
        from fedi.storage.postgres.signals import PgSignals

        def connect():
            return asyncpg.connect(self.url, command_timeout=COMMAND_TIMEOUT, server_settings=SESSION_SETTINGS)

        pool = Pool(connect, min_size=self.min_size, max_size=self.max_size)
        await pool.open()
        self.pool = pool
        self.signals = PgSignals(self.url, self.execute)

    async def close(self) -> None:
        if self.signals is not None:
            await self.signals.close()
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await pool.close()

    # Reads -------------------------------------------------------------
    async def fetchone(self, sql: str, params=()):
        async with self._connection() as conn:
            return await conn.fetchrow(translate(sql), *params)

    async def fetchkeyed(self, sql: str, params=()) -> list:
        async with self._connection() as conn:
            return await conn.fetch(translate(sql), *params)

    aggregate = fetchone
    fetchall = fetchkeyed

    def _connection(self):
        if self.pool is None:
            raise RuntimeError("database is not open")
        return self.pool.connection()

    # Writes ------------------------------------------------------------
    async def write(self, op: WriteOp, *, isolation: str = "serializable") -> Any:
        async def once():
            async with self._connection() as conn:
                async with conn.transaction(isolation=isolation):
                    tx = PgTx(conn)
                    return tx, await op(tx)

        tx, result = await self._committed(once)
        for fn in tx.callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - a listener's failure never undoes a commit
                log.exception("after-commit callback failed")
        return result

    # A write of one statement is a transaction of its own (autocommit): one round trip
    # instead of three (BEGIN, the statement, COMMIT). executemany runs its rows in one
    # implicit transaction.

    async def execute(self, sql: str, params=()) -> int:
        return _rowcount(await self._committed(lambda: self._alone(lambda c: c.execute(translate(sql), *params))))

    async def executemany(self, sql: str, rows) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            await self._committed(lambda: self._alone(lambda c: c.executemany(translate(sql), rows)))

    async def write_fetchall(self, sql: str, params=()) -> list:
        return await self._committed(lambda: self._alone(lambda c: c.fetch(translate(sql), *params)))

    async def _alone(self, statement: Callable[[Any], Awaitable[Any]]) -> Any:
        async with self._connection() as conn:
            return await statement(conn)

    async def _committed(self, attempt: Callable[[], Awaitable[Any]]) -> Any:
        """Run a transaction until it commits: again after a serialization failure or a
        deadlock (up to RETRIES times, with a short random pause); a violated constraint is
        a Conflict."""
        import asyncpg

        for n in range(RETRIES):
            try:
                result = await attempt()
            except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError):
                if n == RETRIES - 1:
                    raise
                await asyncio.sleep(min(0.05, 0.002 * 2 ** n) * (0.5 + random.random()))
                continue
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise Conflict(str(exc)) from None
            self.commits += 1
            return result
        raise AssertionError("unreachable")

    # Migrations --------------------------------------------------------
    async def maintenance_connection(self):
        """A connection of its own, outside the pool, whose statements have no time limit (as
        the pool's have): for migrations and copies, which on a large database take minutes.
        The caller closes it."""
        import asyncpg

        return await asyncpg.connect(self.url, server_settings=SESSION_SETTINGS)

    async def migrate(self) -> list[str]:
        """Apply the numbered migrations newer than the newest applied. The first file is the
        whole schema as of that SQLite migration; later ones match SQLite's, number by number."""
        conn = await self.maintenance_connection()
        try:
            applied = await self._migrate_on(conn)
            ctype = await conn.fetchval("SELECT datctype FROM pg_database WHERE datname = current_database()")
        finally:
            await conn.close()
        if not _utf8_locale(ctype):
            log.warning("the database's locale (LC_CTYPE %s) is not a UTF-8 one: searches will ignore the case "
                        "of ASCII letters only (docs/scaling.md)", ctype)
        return applied

    async def _migrate_on(self, conn) -> list[str]:
        async with conn.transaction():
            # One migrator at a time, whatever the number of processes starting.
            await conn.execute("SELECT pg_advisory_xact_lock(7414390221)")
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                               "(version BIGINT PRIMARY KEY, name TEXT, applied_at DOUBLE PRECISION)")
            newest = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
            files = migration_files()
            known = max(version for version, _, _ in files)
            if newest > known:
                raise SchemaTooNew(newest, known)
            applied = []
            for version, name, script in files:
                if version <= newest:
                    continue
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) "
                                   "VALUES ($1, $2, $3)", version, name, time.time())
                applied.append(name)
            return applied


def _utf8_locale(ctype: str | None) -> bool:
    """Whether PostgreSQL's ILIKE and lower() fold every letter under this LC_CTYPE."""
    return "utf8" in (ctype or "").lower().replace("-", "")


def migration_files() -> list[tuple[int, str, str]]:
    return _migration_files("fedi.storage.postgres")

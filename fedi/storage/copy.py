"""Copying an instance's SQLite database into an empty PostgreSQL database
(`fedi db copy --to postgresql://...`).

The target gets fedi's schema first (its migrations), then every table's rows in an order
where every row a foreign key points at is already there. The target's triggers are off
while the rows arrive (counters such as account_stats are copied as they are, not counted
again) and on again afterwards. Each table's rows are checked by count at the end. A target
that already holds any row is refused, so nothing is ever copied over an instance's data.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

BATCH = 5_000  # rows per COPY


class CopyError(Exception):
    pass


def _coerce(kind: str):
    """A function turning a SQLite value (whose type SQLite does not enforce) into what the
    PostgreSQL column takes."""
    if kind in ("bigint", "integer", "smallint"):
        return lambda v: None if v is None else int(v)
    if kind in ("double precision", "real", "numeric"):
        return lambda v: None if v is None else float(v)
    if kind == "bytea":
        return lambda v: None if v is None else (v if isinstance(v, bytes) else str(v).encode())
    return lambda v: v if v is None or isinstance(v, str) else str(v)


async def _tables_in_order(conn) -> list[str]:
    """The target's tables, each after the tables its foreign keys point at."""
    tables = [r[0] for r in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    edges = await conn.fetch(
        "SELECT DISTINCT cl.relname AS child, pcl.relname AS parent FROM pg_constraint c "
        "JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pcl ON pcl.oid = c.confrelid "
        "JOIN pg_namespace n ON n.oid = cl.relnamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema()")
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in edges:
        if child != parent and child in parents:
            parents[child].add(parent)
    ordered, done = [], set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in done and parents[t] <= done]
        if not ready:  # a cycle: take the rest as they are (foreign keys will say if it matters)
            ready = [t for t in tables if t not in done]
        for t in ready:
            ordered.append(t)
            done.add(t)
    return ordered


async def copy_sqlite_to_postgresql(sqlite_path: str, url: str,
                                    progress: Callable[[str], None] = print) -> dict[str, int]:
    """Copy everything; returns the rows copied per table."""
    import asyncpg

    from fedi.storage.postgres.db import PgDatabase

    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        _check_schema(source)
        target = PgDatabase(url, max_size=2)
        try:
            await target.open()
        except (OSError, asyncpg.PostgresError) as exc:
            raise CopyError(f"cannot connect to {_safe(url)}: {exc}") from None
        try:
            await target.migrate()
            conn = await target.maintenance_connection()  # no time limit: a large table takes minutes
            try:
                return await _copy_all(source, conn, progress)
            finally:
                await conn.close()
        finally:
            await target.close()
    finally:
        source.close()


def _check_schema(source: sqlite3.Connection) -> None:
    """The source must hold this version's schema: the target gets it whole, and a table the
    source has in an older shape could not be copied column for column."""
    from fedi.storage.sqlite.db import migration_files

    latest = max(version for version, _, _ in migration_files())
    try:
        have = source.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        raise CopyError("the SQLite database holds no fedi schema") from None
    if have < latest:
        raise CopyError(f"the SQLite database is at schema version {have}, this fedi's is {latest}: "
                        "run `fedi migrate` first (with fedi stopped), then copy")


async def _copy_all(source: sqlite3.Connection, conn, progress) -> dict[str, int]:
    tables = [t for t in await _tables_in_order(conn) if t != "schema_migrations"]
    known = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in tables:
        if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise CopyError(f"the target already holds data (table {table}); copy only into an empty database")
    copied: dict[str, int] = {}
    async with conn.transaction():
        for table in tables:
            await conn.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        for table in tables:
            if table not in known:
                raise CopyError(f"the SQLite database has no table {table}: run `fedi migrate` on it first")
            copied[table] = await _copy_table(source, conn, table, progress)
        for table in tables:
            await conn.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
    for table, count in copied.items():
        there = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
        if there != count:
            raise CopyError(f"table {table}: {count} rows read, {there} in the target")
    # Statistics for the planner, and the visibility map that lets index-only scans skip the
    # table (autovacuum would come to it later, while the instance already runs).
    progress("vacuuming and analyzing")
    await conn.execute("VACUUM (ANALYZE)")
    return copied


async def _copy_table(source: sqlite3.Connection, conn, table: str, progress) -> int:
    columns = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position", table)
    names = [c["column_name"] for c in columns]
    have = {r[1] for r in source.execute(f'PRAGMA table_info("{table}")')}
    missing = [n for n in names if n not in have]
    if missing:
        raise CopyError(f"table {table}: the SQLite database lacks columns {', '.join(missing)}")
    coerce = [_coerce(c["data_type"]) for c in columns]
    total = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    cursor = source.execute(f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}"')
    done = 0
    while True:
        rows = cursor.fetchmany(BATCH)
        if not rows:
            break
        records = [tuple(f(v) for f, v in zip(coerce, row)) for row in rows]
        await conn.copy_records_to_table(table, records=records, columns=names)
        done += len(records)
        if total > BATCH:
            progress(f"  {table}: {done:,} / {total:,} rows")
    await _advance_identity(conn, table)
    progress(f"{table}: {done:,} row{'' if done == 1 else 's'}")
    return done


async def _advance_identity(conn, table: str) -> None:
    """Identity columns continue after the copied rows' largest value."""
    for row in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 AND is_identity = 'YES'", table):
        column = row["column_name"]
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)')


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url

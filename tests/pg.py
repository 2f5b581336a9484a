"""PostgreSQL for the tests: find the server and make throwaway databases on it.

No pytest fixtures here (conftest wires them). The server is the one in
FEDI_TEST_DATABASE_URL, which ./scripts/test always sets when it found or started one,
else the one at 127.0.0.1:5432 (user postgres, trust auth, database test) when it answers.
Each test gets a database of its own from fresh_database() and hands it back to
drop_database(). A CREATE DATABASE plus its DROP takes 35 ms on an idle machine here
(PostgreSQL 15) but 100-200 ms with connecting and a busy machine, so fresh_schema() and
drop_schema() offer a cheaper alternative (about 1 ms plus a connection): a schema in the
server's own database, named in the URL's search_path. Names are
fedi_t_<unix time>_<pid>_<counter>_<random hex>, so that drop_stale_databases() can remove
the databases and schemas a crashed run left behind.

`python -m tests.pg` checks all this against the server and prints timings.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import threading
import time
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import asyncpg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PREFIX = "fedi_t_"
_NAME = re.compile(rf"^{PREFIX}(\d+)_\d+_\d+_[0-9a-f]+$")

_UNKNOWN = object()
_server_url: object = _UNKNOWN
_server_lock = threading.Lock()
_counter = itertools.count(1)


def server_url() -> str | None:
    """The URL of the PostgreSQL server for the tests, or None when there is none.

    FEDI_TEST_DATABASE_URL when set, else DEFAULT_URL if a server answers there within 2 s.
    The answer is cached for the process. Callable with or without a running event loop
    (the probe runs its own loop in a thread).
    """
    global _server_url
    with _server_lock:
        if _server_url is _UNKNOWN:
            env = os.environ.get("FEDI_TEST_DATABASE_URL")
            if env:
                _server_url = env
            else:
                _server_url = DEFAULT_URL if _answers(DEFAULT_URL, 2.0) else None
        return _server_url  # type: ignore[return-value]


def _answers(url: str, timeout: float) -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=timeout)
        await conn.close(timeout=timeout)

    ok = False

    def run() -> None:
        nonlocal ok
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout + 0.5))
            ok = True
        except Exception:
            pass

    thread = threading.Thread(target=run, name="fedi-pg-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return ok


def _require_server() -> str:
    url = server_url()
    if url is None:
        raise RuntimeError(
            "no PostgreSQL server for the tests: set FEDI_TEST_DATABASE_URL, run one at "
            f"{DEFAULT_URL} or run the tests with ./scripts/test, which starts one")
    return url


def database_url(url: str, database: str) -> str:
    """url with its database replaced by `database` (same credentials, host, port, options)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in ("dbname", "database")]
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""),
                       urlencode(query, quote_via=quote), parts.fragment))


def schema_url(url: str, schema: str) -> str:
    """url with search_path set to `schema` alone, as libpq's `options=-csearch_path=…`
    query parameter: psql takes it, and asyncpg passes it on in the startup packet."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = " ".join([v for k, v in query if k == "options"] + [f"-csearch_path={schema}"])
    query = [(k, v) for k, v in query if k != "options"] + [("options", options)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path,
                       urlencode(query, quote_via=quote), parts.fragment))


def database_name(url: str) -> str:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        name = dict(parse_qsl(parts.query)).get("dbname", "")
    return name


def _new_name() -> str:
    return f"{PREFIX}{int(time.time())}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(4)}"


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(_require_server(), timeout=10)


async def fresh_database() -> str:
    """Create a new, empty database on the server and return its URL."""
    name = _new_name()
    conn = await _admin()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(_require_server(), name)


async def drop_database(url: str) -> None:
    """Drop a database made by fresh_database(), closing any connections still on it."""
    name = database_name(url)
    if not _NAME.match(name):
        raise ValueError(f"not a database made by fresh_database(): {name!r}")
    conn = await _admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def fresh_schema() -> tuple[str, str]:
    """Create a new, empty schema in the server's database; return (url, schema).

    The URL is the server's with search_path set to that schema alone (see schema_url), so
    unqualified names, CREATE TABLE included, land in it. Objects that name a schema (say
    public.x) or need an extension are not isolated this way: use fresh_database() for those.
    """
    name = _new_name()
    conn = await _admin()
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    return schema_url(_require_server(), name), name


async def drop_schema(schema: str) -> None:
    """Drop a schema made by fresh_schema() with everything in it."""
    if not _NAME.match(schema):
        raise ValueError(f"not a schema made by fresh_schema(): {schema!r}")
    conn = await _admin()
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def drop_stale_databases(max_age_s: float = 3600) -> None:
    """Drop the fedi_t_… databases, and the fedi_t_… schemas in the server's database,
    created more than max_age_s ago (left behind by crashed runs)."""
    cutoff = time.time() - max_age_s

    def stale(name: str) -> bool:
        m = _NAME.match(name)
        return bool(m) and int(m.group(1)) < cutoff

    conn = await _admin()
    try:
        for (name,) in await conn.fetch(
                r"SELECT datname FROM pg_database WHERE datname LIKE 'fedi\_t\_%'"):
            if stale(name):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (name,) in await conn.fetch(
                r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'fedi\_t\_%'"):
            if stale(name):
                await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


async def _self_check() -> None:
    t = time.perf_counter()
    url = server_url()
    print(f"server_url() = {url}  ({1000 * (time.perf_counter() - t):.1f} ms)")
    if url is None:
        raise SystemExit("no server")
    t = time.perf_counter()
    assert server_url() == url
    print(f"server_url() again: {1000 * (time.perf_counter() - t):.3f} ms (cached)")

    timings = []
    for _ in range(10):
        t0 = time.perf_counter()
        db = await fresh_database()
        t1 = time.perf_counter()
        conn = await asyncpg.connect(db)
        assert await conn.fetchval("SELECT current_database()") == database_name(db)
        assert await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == 0
        await conn.execute("CREATE TABLE t (x int)")
        # left open on purpose: drop_database() must force it closed
        t2 = time.perf_counter()
        await drop_database(db)
        t3 = time.perf_counter()
        assert not await _exists(database_name(db))
        conn.terminate()
        timings.append((t1 - t0, t2 - t1, t3 - t2))
    print(f"last database URL: {db}")
    for label, i in (("fresh_database", 0), ("connect+check", 1), ("drop_database", 2)):
        ms = sorted(1000 * x[i] for x in timings)
        print(f"{label:15s} median {ms[len(ms) // 2]:6.1f} ms  min {ms[0]:6.1f}  max {ms[-1]:6.1f}")
    total = sorted(1000 * (x[0] + x[2]) for x in timings)
    print(f"create+drop     median {total[len(total) // 2]:6.1f} ms")

    timings = []
    for _ in range(10):
        t0 = time.perf_counter()
        url2, schema = await fresh_schema()
        t1 = time.perf_counter()
        conn = await asyncpg.connect(url2)
        assert await conn.fetchval("SHOW search_path") == schema
        await conn.execute("CREATE TABLE t (x int)")
        assert await conn.fetchval(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 't'") == schema
        await conn.close()
        t2 = time.perf_counter()
        await drop_schema(schema)
        t3 = time.perf_counter()
        assert not await _exists(schema, "pg_namespace", "nspname")
        timings.append((t1 - t0, t2 - t1, t3 - t2))
    print(f"last schema URL: {url2}")
    for label, i in (("fresh_schema", 0), ("connect+check", 1), ("drop_schema", 2)):
        ms = sorted(1000 * x[i] for x in timings)
        print(f"{label:15s} median {ms[len(ms) // 2]:6.1f} ms  min {ms[0]:6.1f}  max {ms[-1]:6.1f}")

    # A stale database and schema (an hour and a bit old) are dropped, young ones are kept.
    old = f"{PREFIX}{int(time.time()) - 3700}_{os.getpid()}_0_{secrets.token_hex(4)}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{old}"')
        await admin.execute(f'CREATE SCHEMA "{old}"')
    finally:
        await admin.close()
    young = await fresh_database()
    _, young_schema = await fresh_schema()
    await drop_stale_databases()
    assert not await _exists(old), old
    assert not await _exists(old, "pg_namespace", "nspname"), old
    assert await _exists(database_name(young))
    assert await _exists(young_schema, "pg_namespace", "nspname")
    await drop_database(young)
    await drop_schema(young_schema)
    assert not await _exists(database_name(young))
    print("drop_stale_databases: ok")


async def _exists(name: str, table: str = "pg_database", column: str = "datname") -> bool:
    conn = await _admin()
    try:
        return bool(await conn.fetchval(f"SELECT 1 FROM {table} WHERE {column} = $1", name))
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(_self_check())

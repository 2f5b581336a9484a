"""fedi's pool of PostgreSQL connections, on a real server: it never hands one connection to
two callers, stays within its size, and replaces connections it cannot trust."""

import asyncio

import pytest

from fedi.storage.postgres.db import SESSION_SETTINGS, PgDatabase
from fedi.storage.postgres.pool import Pool, PoolClosed
from tests import pg
from tests.harness import needs_postgresql

pytestmark = needs_postgresql


async def _pool(url: str, **sizes) -> Pool:
    import asyncpg

    pool = Pool(lambda: asyncpg.connect(url, server_settings=SESSION_SETTINGS), **sizes)
    await pool.open()
    return pool


@pytest.fixture
async def url():
    url = await pg.fresh_database()
    yield url
    await pg.drop_database(url)


async def _backends(url: str) -> int:
    """How many sessions other than the asking one are connected to the database."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid <> pg_backend_pid()")
    finally:
        await conn.close()


async def test_many_callers_share_few_connections_one_at_a_time(url):
    pool = await _pool(url, min_size=1, max_size=3)
    holders: dict[int, int] = {}  # backend pid -> callers holding it right now
    most = 0

    async def call(k: int) -> int:
        nonlocal most
        async with pool.connection() as conn:
            pid = conn.get_server_pid()
            holders[pid] = holders.get(pid, 0) + 1
            most = max(most, holders[pid])
            value = await conn.fetchval("SELECT $1::int * 2 FROM pg_sleep(0.01)", k)
            holders[pid] -= 1
            return value

    try:
        assert await asyncio.gather(*(call(k) for k in range(40))) == [2 * k for k in range(40)]
        assert most == 1  # a connection is never held by two callers at once
        assert len(holders) == 3 and pool.size == 3 and pool.idle == 3
        assert await _backends(url) == 3
    finally:
        await pool.close()
    assert pool.size == 0 and await _backends(url) == 0


async def test_an_interrupted_statement_costs_its_connection_not_the_next_caller(url):
    pool = await _pool(url, min_size=1, max_size=1)
    try:
        task = asyncio.ensure_future(_sleep_on(pool, 30))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The connection was in the middle of a statement: it is closed, and the next caller
        # gets a fresh one that answers at once.
        async with pool.connection() as conn:
            assert await asyncio.wait_for(conn.fetchval("SELECT 1"), 5) == 1
        assert pool.size == 1
        # A failure PostgreSQL reports leaves the connection in use.
        import asyncpg

        async with pool.connection() as conn:
            pid = conn.get_server_pid()
        with pytest.raises(asyncpg.PostgresError):
            async with pool.connection() as conn:
                await conn.execute("SELECT no_such_column FROM pg_class")
        async with pool.connection() as conn:
            assert conn.get_server_pid() == pid
    finally:
        await pool.close()


async def _sleep_on(pool: Pool, seconds: float) -> None:
    async with pool.connection() as conn:
        await conn.execute(f"SELECT pg_sleep({seconds})")


async def test_a_connection_the_server_ended_is_replaced(url):
    import asyncpg

    pool = await _pool(url, min_size=1, max_size=1)
    admin = await asyncpg.connect(url)
    try:
        async with pool.connection() as conn:
            pid = conn.get_server_pid()
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        await asyncio.sleep(0.1)
        try:
            async with pool.connection() as conn:
                await conn.fetchval("SELECT 1")
        except (asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
            pass  # the statement that finds the connection gone fails; the next one does not
        async with pool.connection() as conn:
            assert await conn.fetchval("SELECT 1") == 1
            assert conn.get_server_pid() != pid
        assert pool.size == 1
    finally:
        await admin.close()
        await pool.close()


async def test_waiting_callers_are_served_in_turn_and_a_cancelled_one_takes_nothing(url):
    pool = await _pool(url, min_size=1, max_size=1)
    order = []
    try:
        async with pool.connection():
            async def wait(name):
                async with pool.connection() as conn:
                    order.append(name)
                    await conn.fetchval("SELECT 1")

            first, gone, last = (asyncio.ensure_future(wait(n)) for n in ("first", "gone", "last"))
            await asyncio.sleep(0.05)
            gone.cancel()
            await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(first, last), 5)
        assert gone.cancelled() and order == ["first", "last"]
        assert pool.size == 1 and pool.idle == 1
    finally:
        await pool.close()
    with pytest.raises(PoolClosed):
        await pool.acquire()


async def test_the_database_reads_and_writes_through_its_pool_within_its_size(url):
    db = PgDatabase(url, max_size=2)
    await db.open()
    try:
        await db.execute("CREATE TABLE t (k INT PRIMARY KEY, v TEXT)")
        await asyncio.gather(*(db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (k, str(k))) for k in range(30)))
        await db.executemany("INSERT INTO t (k, v) VALUES (?, ?)", [(k, "many") for k in range(30, 40)])
        rows = await asyncio.gather(*(db.fetchone("SELECT v FROM t WHERE k = ?", (k,)) for k in range(40)))
        assert [r[0] for r in rows] == [str(k) for k in range(30)] + ["many"] * 10
        assert db.pool.size <= 2 and await _backends(url) <= 3  # the pool, and the LISTEN connection if any
    finally:
        await db.close()

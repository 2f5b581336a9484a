"""PostgreSQL's own machinery: the SQL it is given, its migrations, and what several writers
(several processes: here several pools) may do at once on one database."""

import asyncio
import contextlib
import time

from fedi.models import Follow
from fedi.storage.interfaces import open_store
from fedi.storage.postgres.db import migration_files, translate
from tests import pg
from tests.harness import needs_postgresql
from tests.unit.test_storage import local_account


@contextlib.asynccontextmanager
async def _fresh_store():
    """(url, store) on a fresh database, closed and dropped afterwards."""
    url = await pg.fresh_database()
    try:
        store = await open_store(url)
        try:
            yield url, store
        finally:
            await store.close()
    finally:
        await pg.drop_database(url)


def test_sqlite_flavoured_sql_is_rewritten_for_postgresql():
    assert translate("SELECT * FROM t WHERE a = ? AND b IN (?, ?) AND c = 'x?y'") == \
        "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) AND c = 'x?y'"
    # ?N, and a bare ? after it takes the next number, as in SQLite
    assert translate("SELECT ?1, ?2 WHERE x = ?1 AND y = ?") == "SELECT $1, $2 WHERE x = $1 AND y = $3"
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?)") == \
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
    assert translate("INSERT OR IGNORE INTO t (a) SELECT ? WHERE NOT EXISTS (SELECT 1) RETURNING a") == \
        "INSERT INTO t (a) SELECT $1 WHERE NOT EXISTS (SELECT 1) ON CONFLICT DO NOTHING RETURNING a"
    assert translate("SELECT 1 FROM t WHERE s IS ? AND h IS NOT ? AND n IS NULL") == \
        "SELECT 1 FROM t WHERE s IS NOT DISTINCT FROM $1 AND h IS DISTINCT FROM $2 AND n IS NULL"
    assert translate("SELECT id FROM s INDEXED BY s_versions WHERE name LIKE ? ESCAPE '\\'") == \
        "SELECT id FROM s WHERE name ILIKE $1 ESCAPE '\\'"
    assert translate("SELECT 1 FROM jobs WHERE instr(f, ?) > 0 AND json_extract(payload, '$.account_id') = ?") == \
        "SELECT 1 FROM jobs WHERE strpos(f, $1) > 0 AND (payload::jsonb ->> 'account_id') = $2"
    # a list bound as one parameter (fedi.storage.sqlite.values): an array
    assert translate("SELECT 1 FROM t WHERE a = ? AND b IN (SELECT value FROM json_each(?)) "
                     "AND c NOT IN (SELECT value FROM json_each(?)) AND d = ?") == \
        "SELECT 1 FROM t WHERE a = $1 AND b IN (SELECT unnest(CAST($2 AS TEXT[]))) " \
        "AND c NOT IN (SELECT unnest(CAST($3 AS TEXT[]))) AND d = $4"
    assert translate("SELECT 1 FROM t WHERE a = ?1 AND b IN (SELECT value FROM json_each(?2)) UNION ALL "
                     "SELECT 2 FROM u WHERE c IN (SELECT value FROM json_each(?2)) AND d = ?") == \
        "SELECT 1 FROM t WHERE a = $1 AND b IN (SELECT unnest(CAST($2 AS TEXT[]))) UNION ALL " \
        "SELECT 2 FROM u WHERE c IN (SELECT unnest(CAST($2 AS TEXT[]))) AND d = $3"
    # The same list as a table (fedi.storage.sqlite.values.probed).
    assert translate("SELECT j.value FROM json_each(?2) AS j WHERE (SELECT 1 FROM f WHERE a = ?1 "
                     "AND b = j.value LIMIT 1) = 1 AND c = ?") == \
        "SELECT j.value FROM unnest(CAST($2 AS TEXT[])) AS j(value) WHERE (SELECT 1 FROM f WHERE a = $1 " \
        "AND b = j.value LIMIT 1) = 1 AND c = $3"


@needs_postgresql
async def test_migrations_apply_once_even_when_processes_start_together():
    url = await pg.fresh_database()
    try:
        stores = await asyncio.gather(*(open_store(url, migrate=False) for _ in range(3)))
        try:
            applied = await asyncio.gather(*(s.migrate() for s in stores))
            names = [name for _, name, _ in migration_files()]
            assert sorted(applied, key=len) == [[], [], names]  # one of them did it, under a lock
            rows = await stores[0].database.fetchall("SELECT version, name FROM schema_migrations")
            assert [(r[0], r[1]) for r in rows] == [(v, n) for v, n, _ in migration_files()]
        finally:
            for s in stores:
                await s.close()
    finally:
        await pg.drop_database(url)


@needs_postgresql
async def test_maintenance_runs_without_the_pooled_statements_time_limit(monkeypatch):
    """Migrations and `db copy` run on a connection of their own: on a large database they
    take longer than a pooled statement may."""
    import fedi.storage.postgres.db as pgdb

    monkeypatch.setattr(pgdb, "COMMAND_TIMEOUT", 0.2)
    async with _fresh_store() as (_, store):
        try:
            await store.database.fetchone("SELECT pg_sleep(0.5)")
        except asyncio.TimeoutError:
            pass
        else:
            raise AssertionError("a pooled statement outlived its time limit")
        conn = await store.database.maintenance_connection()
        try:
            assert await conn.fetchval("SELECT 1 FROM pg_sleep(0.5)") == 1
        finally:
            await conn.close()


@needs_postgresql
async def test_a_database_migrated_by_a_newer_fedi_is_refused():
    from fedi.storage.errors import SchemaTooNew

    async with _fresh_store() as (url, store):
        await store.database.execute("INSERT INTO schema_migrations (version, name, applied_at) "
                                     "VALUES (9999, '9999_later.sql', 0)")
        try:
            await open_store(url)
        except SchemaTooNew as exc:
            assert exc.database == 9999 and exc.known == max(v for v, _, _ in migration_files())
        else:
            raise AssertionError("a newer schema was accepted")


@needs_postgresql
async def test_a_page_statement_is_planned_once_per_connection():
    """fedi's sessions plan each prepared statement once (a LIMIT $n would otherwise have
    PostgreSQL plan it anew for every execution), price random reads as on SSD, and start
    no parallel workers (a generic plan costs a LIMIT as a tenth of a large table)."""
    async with _fresh_store() as (_, store):
        db = store.database
        assert (await db.fetchone("SHOW plan_cache_mode"))[0] == "force_generic_plan"
        assert (await db.fetchone("SHOW random_page_cost"))[0] == "1.1"
        assert (await db.fetchone("SHOW max_parallel_workers_per_gather"))[0] == "0"
        for limit in (20, 40, 5, 20, 80, 20, 3):  # past the five custom plans of "auto"
            rows = await db.fetchkeyed("SELECT id FROM statuses WHERE account_id = ? ORDER BY id DESC LIMIT ?",
                                       ("nobody", limit))
            assert rows == []


@needs_postgresql
async def test_workers_on_several_processes_never_hold_the_same_job():
    url = await pg.fresh_database()
    stores = []
    try:
        stores = [await open_store(url, pool_size=4) for _ in range(3)]  # three "processes"
        await stores[0].jobs.enqueue_many("q", [({"n": n}, None) for n in range(300)])

        async def worker(store) -> list[str]:
            held = []
            while True:
                jobs = await store.jobs.claim("q", 7, lease=60)
                if not jobs:
                    return held
                held += [j.id for j in jobs]

        claims = await asyncio.gather(*(worker(s) for s in stores for _ in range(3)))
        everything = [j for c in claims for j in c]
        assert len(everything) == 300 and len(set(everything)) == 300
        assert sum(1 for c in claims if c) > 1  # they really ran side by side
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


@needs_postgresql
async def test_read_then_write_transactions_behave_as_with_one_writer():
    """Twenty transactions that each look for a follow and add it when missing, at once on
    two pools: exactly one follow, and none of them fails."""
    url = await pg.fresh_database()
    stores = []
    try:
        stores = [await open_store(url, pool_size=8) for _ in range(2)]
        ann, ben = local_account("ann"), local_account("ben")
        for acc in (ann, ben):
            await stores[0].accounts.insert(acc)

        def follow_once(n: int):
            async def write(tx):
                if await tx.follows.get(ann.id, ben.id) is None:
                    await tx.follows.insert(Follow(id=f"f{n}", follower_id=ann.id, target_id=ben.id,
                                                   state="accepted", uri=f"https://a.test/f/{n}",
                                                   created_at=time.time()))
                    return True
                return False
            return write

        made = await asyncio.gather(*(stores[n % 2].atomic(follow_once(n)) for n in range(20)))
        assert made.count(True) == 1
        rows = await stores[0].database.fetchall("SELECT id FROM follows")
        assert len(rows) == 1
        stats = await stores[1].accounts.stats([ann.id, ben.id])
        assert stats[ann.id][2] == 1 and stats[ben.id][1] == 1  # the counters' triggers ran once
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


@needs_postgresql
async def test_events_reach_the_listeners_of_every_process():
    """A post announced in one process reaches a live stream open in another, in order; an
    account's streams are closed everywhere; a process does not hear its own events twice."""
    from fedi.services.events import RelayedEvents

    url = await pg.fresh_database()
    stores = []
    try:
        stores = [await open_store(url) for _ in range(2)]
        here, there = RelayedEvents(stores[0].signals), RelayedEvents(stores[1].signals)
        for bus in (here, there):
            await bus.start()
        mine, theirs = here.subscribe(["public"]), there.subscribe(["public", "user:1"], "1")
        for n in range(600):  # more than one message's worth
            here.publish("public", "update", {"status_id": str(n)})
        got = [await asyncio.wait_for(theirs.queue.get(), 5) for _ in range(600)]
        assert [g[2]["status_id"] for g in got] == [str(n) for n in range(600)]
        assert mine.queue.qsize() == 600  # once each, not once more from the relay
        await asyncio.sleep(0.2)
        assert mine.queue.qsize() == 600
        here.close_account("1", "token revoked")
        assert await asyncio.wait_for(theirs.queue.get(), 5) is None and theirs.reason == "token revoked"
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


@needs_postgresql
async def test_each_process_holds_its_own_id_node_number_while_it_lives():
    url = await pg.fresh_database()
    try:
        first, second = await open_store(url), await open_store(url)
        a, b = await first.signals.claim_node(64), await second.signals.claim_node(64)
        assert a is not None and b is not None and a != b
        await first.close()  # a process that ends (or dies) lets go of its number
        third = await open_store(url)
        assert await third.signals.claim_node(64) == a
        await second.close()
        await third.close()
    finally:
        await pg.drop_database(url)


@needs_postgresql
async def test_a_process_cut_off_from_the_database_gives_up_its_node_number_and_catches_up(monkeypatch):
    """When the connection holding the node number drops, the number stops being used at
    once; after reconnecting the process holds one again (its own if still free, another if
    a new process took it meanwhile) and looks again at what it may have missed."""
    from fedi.storage.postgres import signals as signals_module

    monkeypatch.setattr(signals_module, "RECONNECT_AFTER", 0.05)
    url = await pg.fresh_database()
    stores = []
    try:
        first = await open_store(url)
        stores.append(first)
        changes, caught_up = [], asyncio.Event()
        node = await first.signals.claim_node(4, changes.append)
        first.signals.on_reconnect(lambda: asyncio.sleep(0, caught_up.set()))
        heard = asyncio.Queue()
        await first.signals.listen("news", heard.put_nowait)

        async def cut_off():
            pid = first.signals._conn.get_server_pid()
            async with first.database.pool.connection() as conn:
                assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)

        await cut_off()
        await asyncio.wait_for(caught_up.wait(), 5)
        assert changes == [None, node] and first.signals.node == node
        await first.signals.notify("news", "still listening")
        assert await asyncio.wait_for(heard.get(), 5) == "still listening"

        # Cut off again; a new process starts meanwhile and takes the free number first
        caught_up.clear()
        pid = first.signals._conn.get_server_pid()
        first.signals._closing = True  # hold back the reconnection until the newcomer has a number
        async with first.database.pool.connection() as conn:
            await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        await asyncio.sleep(0.2)
        newcomer = await open_store(url)
        stores.append(newcomer)
        assert await newcomer.signals.claim_node(4) == node
        first.signals._closing = False
        await first.signals._relisten(node)
        assert caught_up.is_set()
        assert first.signals.node not in (None, node) and changes[-1] == first.signals.node
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


@needs_postgresql
async def test_an_idempotency_key_makes_one_post_whichever_process_a_retry_reaches():
    from fedi.services.memory import StoredIdempotency

    url = await pg.fresh_database()
    stores = []
    try:
        stores = [await open_store(url) for _ in range(2)]
        made = []

        async def make():
            made.append(1)
            await asyncio.sleep(0.2)  # the retry arrives while the first request still runs
            return f"status-{len(made)}"

        results = await asyncio.gather(*(StoredIdempotency(stores[n % 2]).once(("acct", "key-1"), make)
                                         for n in range(4)))
        assert results == ["status-1"] * 4 and len(made) == 1

        async def fails():
            made.append(1)
            raise RuntimeError("the first attempt failed")

        try:
            await StoredIdempotency(stores[0]).once(("acct", "key-2"), fails)
        except RuntimeError:
            pass
        assert await StoredIdempotency(stores[1]).once(("acct", "key-2"), make) == f"status-{len(made)}"
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


@needs_postgresql
async def test_client_api_requests_are_counted_across_processes():
    from fedi.services.memory import SharedWindows

    url = await pg.fresh_database()
    stores = []
    try:
        stores = [await open_store(url) for _ in range(2)]
        here, there = SharedWindows(stores[0]), SharedWindows(stores[1])
        now = time.time()
        now -= now % 300 - 100  # 100 s into a window
        for _ in range(3):
            start, n = here.count("t:abc", now, 300)
        assert (start, n) == (now - 100, 3)  # windows aligned to the clock
        for _ in range(4):
            there.count("t:abc", now + 10, 300)
        await here.flush()
        await there.flush()  # learns the 3 counted here
        assert there.count("t:abc", now + 20, 300)[1] == 8
        here.count("t:abc", now + 30, 300)
        await here.flush()  # learns the 4 counted there and flushed (not the last one, yet)
        assert here.count("t:abc", now + 40, 300)[1] == 9
        assert here.count("t:abc", now + 300, 300) == (now + 200, 1)  # the next window
    finally:
        for s in stores:
            await s.close()
        await pg.drop_database(url)


def test_a_locale_that_folds_only_ascii_is_told_apart():
    from fedi.storage.postgres.db import _utf8_locale

    assert _utf8_locale("C.UTF-8") and _utf8_locale("en_US.utf8") and _utf8_locale("de_DE.UTF-8")
    assert not _utf8_locale("C") and not _utf8_locale("POSIX") and not _utf8_locale(None)

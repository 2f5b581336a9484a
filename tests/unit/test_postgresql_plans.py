"""PostgreSQL plans each statement once for any parameters (fedi's sessions force generic
plans), so a page's statements are written for plans that stay cheap for the readers the
planner's averages do not describe: one with thousands of favourites, or of followers."""

from __future__ import annotations

import json
import time

import asyncpg

from fedi.ids import new_id
from fedi.models import Favourite
from fedi.storage.postgres.db import translate
from fedi.storage.sqlite.rows import to_row
from tests.harness import needs_postgresql
from tests.unit.test_postgresql import _fresh_store
from tests.unit.test_storage import follow, local_account, status

OTHERS, EACH, OWN = 200, 5, 3000


async def _insert(store, table: str, records) -> None:
    rows = [to_row(r, exclude=("mention_ids", "tags", "boosted") if table == "statuses" else ()) for r in records]
    cols = list(rows[0])
    await store.database.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                                     [tuple(r[c] for c in cols) for r in rows])


def _favourite(account, post) -> Favourite:
    return Favourite(id=new_id(), account_id=account.id, status_id=post.id, uri=f"{account.uri}/likes/{new_id()}",
                     created_at=time.time())


def _scans(plan: dict, relation: str) -> int:
    """Rows the plan read from `relation`, over every loop."""
    found = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1) if plan.get("Relation Name") == relation else 0
    return found + sum(_scans(p, relation) for p in plan.get("Plans", []))


async def _statement(store, read) -> str:
    """The one statement `read()` makes (its result is returned too)."""
    seen = []
    original = store.database.fetchkeyed

    async def kept(sql, params=()):
        seen.append(sql)
        return await original(sql, params)

    store.database.fetchkeyed = kept
    try:
        result = await read()
    finally:
        del store.database.fetchkeyed
    (sql,) = seen
    return sql, result


async def _generic_plan(url: str, sql: str, types: str, args: str) -> dict:
    """The plan PostgreSQL runs for `sql` as fedi's sessions prepare it (one plan for any
    parameters), executed with `args` (SQL literals), after ANALYZE."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        await conn.execute(f"PREPARE q({types}) AS {translate(sql)}")
        (plan,) = json.loads(await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE q({args})"))
    finally:
        await conn.close()
    return plan["Plan"]


def _array(ids) -> str:
    return "ARRAY[" + ",".join(f"'{i}'" for i in ids) + "]"


@needs_postgresql
async def test_a_reader_with_thousands_of_favourites_is_probed_post_by_post():
    async with _fresh_store() as (url, store):
        reader, author = local_account("reader"), local_account("author")
        others = [local_account(f"other{n}") for n in range(OTHERS)]
        await _insert(store, "accounts", [reader, author, *others])
        posts = [status(author) for _ in range(OWN)]
        await _insert(store, "statuses", posts)
        # The reader favourited every post; the others a few each: the average reader has
        # about 20, which is what a plan made for any reader expects.
        await _insert(store, "favourites", [_favourite(reader, p) for p in posts] +
                      [_favourite(o, posts[(n * EACH + k) % OWN]) for n, o in enumerate(others) for k in range(EACH)])
        page = [p.id for p in posts[-20:]]
        sql, facts = await _statement(store, lambda: store.pages.details(page, reader.id))
        assert facts.flags["favourited"] == set(page)

        arms = [a for a in sql.split(" UNION ALL ") if "FROM favourites" in a]
        assert len(arms) == 1
        plan = await _generic_plan(url, arms[0], "text, text[]", f"'{reader.id}', {_array(page)}")
        assert _scans(plan, "favourites") <= len(page)  # not the reader's 3,000


@needs_postgresql
async def test_a_popular_reader_s_relationships_are_probed_account_by_account():
    async with _fresh_store() as (url, store):
        star = local_account("star")
        fans = [local_account(f"fan{n}") for n in range(OWN)]
        others = [local_account(f"other{n}") for n in range(OTHERS)]
        await _insert(store, "accounts", [star, *fans, *others])
        # Every fan follows the star; the others follow a few of each other: the average
        # account has about 20 followers, which is what a plan made for any reader expects.
        await _insert(store, "follows", [follow(f, star) for f in fans] +
                      [follow(o, others[(n + k + 1) % OTHERS]) for n, o in enumerate(others) for k in range(EACH)])
        asked = [f.id for f in fans[-20:]]
        sql, found = await _statement(store, lambda: store.pages.relationships(star.id, asked))
        assert all(found[i]["followed_by"] == "accepted" and found[i]["follow"] is None for i in asked)

        plan = await _generic_plan(url, sql, "text, text[], double precision",
                                   f"'{star.id}', {_array(asked)}, {time.time()}")
        assert _scans(plan, "follows") <= 4 * len(asked)  # not the star's 3,000 followers

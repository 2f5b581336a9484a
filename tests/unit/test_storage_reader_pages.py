"""Lists read in order along an index, so that a page reads about as many rows as it shows:
a reader's favourites and bookmarks and a post's favouriters (migration 0031), posts with
media and the directory of local accounts (0032). SQLite's plans sort nothing."""

from __future__ import annotations

from tests.harness import sqlite_only
from tests.unit.test_storage import store  # noqa: F401


async def _plans(store, read) -> list[str]:  # noqa: F811
    """SQLite's plan for each statement `read` makes."""
    db, seen = store.database, []
    original = db.fetchall

    async def kept(sql, params=()):
        seen.append((sql, params))
        return await original(sql, params)

    db.fetchall = kept
    try:
        await read()
    finally:
        del db.fetchall
    plans = []
    for sql, params in seen:
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        plans.append(" | ".join(r[3] for r in rows))
    return plans


@sqlite_only
async def test_lists_in_order_are_read_along_an_index(store):  # noqa: F811
    for read, index in ((lambda: store.timelines.public(only_media=True, limit=20), "statuses_media"),
                        (lambda: store.timelines.account("someone", ("public",), only_media=True, limit=20),
                         "statuses_account_media"),
                        (lambda: store.accounts.local_directory(30), "accounts_local"),
                        (lambda: store.favourites.page("someone", max_id="9", limit=20), "favourites_account_page"),
                        (lambda: store.bookmarks.page("someone", limit=20), "bookmarks_account_page"),
                        (lambda: store.favourites.accounts_for("a-post", limit=40), "favourites_status")):
        (plan,) = await _plans(store, read)
        assert index in plan and "TEMP B-TREE" not in plan, plan


async def test_hashtags_found_by_a_literal_prefix_on_both_backends(store):  # noqa: F811
    from tests.unit.test_storage import local_account, status

    alice = local_account("alice")
    await store.accounts.insert(alice)
    for tags in (["a_b", "axb"], ["ab", "Émile"], ["100%"], ["ab"]):
        await store.statuses.insert(status(alice, tags=tags))
    # (In order, as the database's collation sorts them: only the names are compared here.)
    assert sorted(await store.statuses.search_tags("a")) == ["a_b", "ab", "axb"]
    assert await store.statuses.search_tags("A_") == ["a_b"]  # `_` is a letter of a hashtag, not a wildcard
    assert await store.statuses.search_tags("é") == ["émile"]
    assert await store.statuses.search_tags("ÉM") == ["émile"]
    assert await store.statuses.search_tags("100%") == ["100%"] and await store.statuses.search_tags("%") == []
    assert len(await store.statuses.search_tags("a", limit=2)) == 2

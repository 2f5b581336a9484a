"""Keyset paging over time-sortable ids, the way Mastodon's max_id/since_id/min_id work."""

from __future__ import annotations


def id_window(column: str, max_id: str | None, since_id: str | None, min_id: str | None):
    """WHERE fragments, their parameters and the ORDER direction for one page.

    max_id: strictly older; since_id: strictly newer (newest first); min_id: strictly newer,
    taking the slice right after it (fetched oldest first, reversed by `keyset`).
    """
    where, params = [], []
    if max_id:
        where.append(f"{column} < ?")
        params.append(max_id)
    if since_id:
        where.append(f"{column} > ?")
        params.append(since_id)
    if min_id:
        where.append(f"{column} > ?")
        params.append(min_id)
    order = "ASC" if min_id and not since_id else "DESC"
    return where, params, order


def keyset_sql(select: str, conditions: list[str], params: list, column: str, *,
               max_id=None, since_id=None, min_id=None, limit: int = 20) -> tuple[str, tuple, bool]:
    """`select WHERE conditions AND window ORDER BY column LIMIT`, its parameters, and whether
    its rows come oldest first (the page right after min_id)."""
    where, window_params, order = id_window(column, max_id, since_id, min_id)
    clause = " AND ".join([*conditions, *where]) or "1 = 1"
    return (f"{select} WHERE {clause} ORDER BY {column} {order} LIMIT ?", (*params, *window_params, limit),
            order == "ASC")


async def keyset(fetch, select: str, conditions: list[str], params: list, column: str, *,
                 max_id=None, since_id=None, min_id=None, limit: int = 20) -> list:
    """Run `select WHERE conditions AND window ORDER BY column LIMIT` and return the rows
    newest first. `fetch(sql, params)` is the executor's fetchall or fetchkeyed."""
    sql, args, ascending = keyset_sql(select, conditions, params, column, max_id=max_id, since_id=since_id,
                                      min_id=min_id, limit=limit)
    rows = list(await fetch(sql, args))
    return rows[::-1] if ascending else rows

"""A reader's keyword filters and their keywords."""

from __future__ import annotations

import json
import time

from fedi.ids import new_id
from fedi.storage.sqlite.values import listed, values

FILTER_FIELDS = ("title", "context", "filter_action", "expires_at")


def _filter(row) -> dict | None:
    if row is None:
        return None
    doc = dict(row)
    doc["context"] = json.loads(doc["context"] or "[]")
    return doc


def _keyword(row) -> dict | None:
    if row is None:
        return None
    doc = dict(row)
    doc["whole_word"] = bool(doc["whole_word"])
    return doc


class SqliteFilters:
    def __init__(self, db):
        self.db = db

    async def create(self, account_id: str, title: str, context: list[str], filter_action: str,
                     expires_at: float | None) -> str:
        filter_id = new_id()
        await self.db.execute(
            "INSERT INTO filters (id, account_id, title, context, filter_action, expires_at, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (filter_id, account_id, title, json.dumps(list(context)), filter_action, expires_at, time.time()),
        )
        return filter_id

    async def get(self, filter_id: str) -> dict | None:
        return _filter(await self.db.fetchone("SELECT * FROM filters WHERE id = ?", (filter_id,)))

    async def of(self, account_id: str, *, active_at: float | None = None) -> list[dict]:
        """The account's filters, oldest first; with `active_at`, only those unexpired then."""
        sql, args = "SELECT * FROM filters WHERE account_id = ?", [account_id]
        if active_at is not None:
            sql += " AND (expires_at IS NULL OR expires_at > ?)"
            args.append(active_at)
        return [_filter(r) for r in await self.db.fetchkeyed(sql + " ORDER BY id", args)]

    async def update(self, filter_id: str, **changes) -> None:
        changes = {k: v for k, v in changes.items() if k in FILTER_FIELDS}
        if "context" in changes:
            changes["context"] = json.dumps(list(changes["context"]))
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            await self.db.execute(f"UPDATE filters SET {sets} WHERE id = ?", (*changes.values(), filter_id))

    async def delete(self, filter_id: str) -> None:
        await self.db.execute("DELETE FROM filters WHERE id = ?", (filter_id,))

    async def keywords(self, filter_ids) -> list[dict]:
        """The keywords of these filters, oldest first."""
        ids = list(dict.fromkeys(filter_ids))
        if not ids:
            return []
        rows = await self.db.fetchkeyed(
            f"SELECT * FROM filter_keywords WHERE filter_id IN ({listed()}) ORDER BY id", [values(ids)]
        )
        return [_keyword(r) for r in rows]

    async def add_keyword(self, filter_id: str, keyword: str, whole_word: bool) -> str:
        keyword_id = new_id()
        await self.db.execute(
            "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?,?,?,?)",
            (keyword_id, filter_id, keyword, int(whole_word)),
        )
        return keyword_id

    async def get_keyword(self, keyword_id: str) -> dict | None:
        return _keyword(await self.db.fetchone("SELECT * FROM filter_keywords WHERE id = ?", (keyword_id,)))

    async def update_keyword(self, keyword_id: str, keyword: str, whole_word: bool) -> None:
        await self.db.execute(
            "UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?",
            (keyword, int(whole_word), keyword_id),
        )

    async def delete_keyword(self, keyword_id: str) -> None:
        await self.db.execute("DELETE FROM filter_keywords WHERE id = ?", (keyword_id,))

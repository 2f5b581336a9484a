"""Statuses, published activities and per-account inbox items."""

from __future__ import annotations

import json
import time

from fedi.models import Activity, Page, Status
from fedi.storage.sqlite.rows import insert_sql, to_record, to_row

PUBLIC_VISIBILITIES = ("public", "unlisted")


class SqliteStatuses:
    def __init__(self, db):
        self.db = db

    async def _hydrate(self, row) -> Status | None:
        status = to_record(Status, row)
        if status is None:
            return None
        status.mention_ids = [
            r[0] for r in await self.db.fetchkeyed(
                "SELECT account_id FROM mentions WHERE status_id = ?", (status.id,)
            )
        ]
        status.tags = [
            r[0] for r in await self.db.fetchkeyed(
                "SELECT name FROM status_tags WHERE status_id = ?", (status.id,)
            )
        ]
        return status

    async def get(self, status_id: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE id = ?", (status_id,)))

    async def by_uri(self, uri: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE uri = ?", (uri,)))

    async def insert(self, status: Status) -> bool:
        """Store a status with its mentions and tags. False if the uri is already known."""
        sql, params = insert_sql("statuses", to_row(status, exclude=("mention_ids", "tags")))
        if await self.db.execute(sql + " ON CONFLICT(uri) DO NOTHING", params) == 0:
            return False
        await self._write_links(status)
        return True

    async def _write_links(self, status: Status) -> None:
        if status.mention_ids:
            await self.db.executemany(
                "INSERT OR IGNORE INTO mentions (status_id, account_id) VALUES (?, ?)",
                [(status.id, a) for a in dict.fromkeys(status.mention_ids)],
            )
        if status.tags:
            await self.db.executemany(
                "INSERT OR IGNORE INTO status_tags (status_id, name) VALUES (?, ?)",
                [(status.id, t.lower()) for t in dict.fromkeys(status.tags)],
            )

    async def update_content(self, status: Status) -> None:
        """Record the previous version, then store the edited one."""
        old = await self.db.fetchone("SELECT content, summary, sensitive FROM statuses WHERE id = ?", (status.id,))
        if old is not None:
            from fedi.ids import new_id

            await self.db.execute(
                "INSERT INTO status_edits (id, status_id, content, summary, sensitive, created_at) VALUES (?,?,?,?,?,?)",
                (new_id(), status.id, old[0], old[1], old[2], time.time()),
            )
        await self.db.execute(
            "UPDATE statuses SET content = ?, source = ?, summary = ?, sensitive = ?, language = ?, "
            "edited_at = ?, attachments = ? WHERE id = ?",
            (status.content, status.source, status.summary, int(status.sensitive), status.language,
             status.edited_at, json.dumps(status.attachments), status.id),
        )
        await self.db.execute("DELETE FROM status_tags WHERE status_id = ?", (status.id,))
        await self._write_links(status)

    async def delete(self, status_id: str) -> None:
        await self.db.execute("DELETE FROM statuses WHERE id = ?", (status_id,))

    async def reblog_of(self, account_id: str, status_id: str) -> Status | None:
        row = await self.db.fetchone(
            "SELECT * FROM statuses WHERE account_id = ? AND reblog_of_id = ?", (account_id, status_id)
        )
        return await self._hydrate(row)

    async def reblog_count(self, status_id: str) -> int:
        return (await self.db.aggregate("SELECT count(*) FROM statuses WHERE reblog_of_id = ?", (status_id,)))[0]

    async def replies(self, uri: str, visibilities=PUBLIC_VISIBILITIES, limit: int = 40) -> list[Status]:
        marks = ",".join("?" for _ in visibilities)
        rows = await self.db.fetchall(
            f"SELECT * FROM statuses WHERE in_reply_to_uri = ? AND visibility IN ({marks}) ORDER BY id LIMIT ?",
            (uri, *visibilities, limit),
        )
        return [await self._hydrate(r) for r in rows]

    async def by_account(self, account_id: str, visibilities=PUBLIC_VISIBILITIES,
                         max_id: str | None = None, limit: int = 20) -> Page:
        marks = ",".join("?" for _ in visibilities)
        params = [account_id, *visibilities]
        extra = ""
        if max_id:
            extra = " AND id < ?"
            params.append(max_id)
        rows = await self.db.fetchall(
            f"SELECT * FROM statuses WHERE account_id = ? AND visibility IN ({marks}){extra} "
            "ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        total = (await self.db.aggregate(
            f"SELECT count(*) FROM statuses WHERE account_id = ? AND visibility IN ({marks})",
            (account_id, *visibilities),
        ))[0]
        items = [await self._hydrate(r) for r in rows]
        return Page(items=items, total=total, next_max_id=items[-1].id if len(items) == limit else None)

    async def count(self, account_id: str) -> int:
        row = await self.db.aggregate(
            "SELECT count(*) FROM statuses WHERE account_id = ? AND reblog_of_id IS NULL", (account_id,)
        )
        return row[0]

    async def count_local(self) -> int:
        return (await self.db.aggregate("SELECT count(*) FROM statuses WHERE local = 1"))[0]

    async def is_mentioned(self, status_id: str, account_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM mentions WHERE status_id = ? AND account_id = ?", (status_id, account_id)
        )
        return row is not None

    async def delete_by_account(self, account_id: str) -> None:
        await self.db.execute("DELETE FROM statuses WHERE account_id = ?", (account_id,))


class SqliteActivities:
    def __init__(self, db):
        self.db = db

    async def insert(self, activity: Activity) -> None:
        sql, params = insert_sql("activities", to_row(activity))
        await self.db.execute(sql, params)

    async def by_uri(self, uri: str) -> Activity | None:
        return to_record(Activity, await self.db.fetchone("SELECT * FROM activities WHERE uri = ?", (uri,)))

    async def by_id(self, activity_id: str) -> Activity | None:
        return to_record(Activity, await self.db.fetchone("SELECT * FROM activities WHERE id = ?", (activity_id,)))

    async def find(self, account_id: str, type_: str, object_uri: str) -> Activity | None:
        row = await self.db.fetchone(
            "SELECT * FROM activities WHERE account_id = ? AND type = ? AND object_uri = ? ORDER BY id DESC LIMIT 1",
            (account_id, type_, object_uri),
        )
        return to_record(Activity, row)

    async def public_page(self, account_id: str, max_id: str | None = None, limit: int = 20) -> Page:
        params = [account_id]
        extra = ""
        if max_id:
            extra = " AND id < ?"
            params.append(max_id)
        where = "account_id = ? AND visibility IN ('public', 'unlisted') AND type IN ('Create', 'Announce')"
        rows = await self.db.fetchall(
            f"SELECT * FROM activities WHERE {where}{extra} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        total = (await self.db.aggregate(f"SELECT count(*) FROM activities WHERE {where}", (account_id,)))[0]
        items = [to_record(Activity, r) for r in rows]
        return Page(items=items, total=total, next_max_id=items[-1].id if len(items) == limit else None)

    async def delete_for_status(self, status_id: str) -> None:
        await self.db.execute("DELETE FROM activities WHERE status_id = ? AND type != 'Delete'", (status_id,))

    async def delete(self, activity_id: str) -> None:
        await self.db.execute("DELETE FROM activities WHERE id = ?", (activity_id,))


class SqliteInbox:
    def __init__(self, db):
        self.db = db

    async def add(self, item_id: str, account_ids, activity_uri: str, body: dict) -> None:
        text = json.dumps(body)
        now = time.time()
        await self.db.executemany(
            "INSERT OR IGNORE INTO inbox_items (id, account_id, activity_uri, body, created_at) VALUES (?,?,?,?,?)",
            [(f"{item_id}-{n}", a, activity_uri, text, now) for n, a in enumerate(dict.fromkeys(account_ids))],
        )

    async def page(self, account_id: str, max_id: str | None = None, limit: int = 20) -> Page:
        params = [account_id]
        extra = ""
        if max_id:
            extra = " AND id < ?"
            params.append(max_id)
        rows = await self.db.fetchall(
            f"SELECT id, body FROM inbox_items WHERE account_id = ?{extra} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        total = (await self.db.aggregate("SELECT count(*) FROM inbox_items WHERE account_id = ?", (account_id,)))[0]
        return Page(
            items=[json.loads(r["body"]) for r in rows], total=total,
            next_max_id=rows[-1]["id"] if len(rows) == limit else None,
        )

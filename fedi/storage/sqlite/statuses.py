"""Statuses, published activities and per-account inbox items."""

from __future__ import annotations

import json
import time

from fedi.models import Activity, Page, Status
from fedi.storage.sqlite.rows import insert_sql, to_record, to_row
from fedi.storage.sqlite.text import escape, like
from fedi.storage.sqlite.values import listed, values

PUBLIC_VISIBILITIES = ("public", "unlisted")


# Each status's version with the post it boosts, if any, in one pass over the statuses: select
# `<status id>, WITH_BOOSTED_VERSIONS` from a query over `statuses s INDEXED BY statuses_versions`
# followed by BOOSTED_VERSIONS_JOIN (statuses_versions covers both sides; the planner would
# rather read whole rows), and read the rows with `boosted_versions`.
WITH_BOOSTED_VERSIONS = "s.version, b.id, b.version"
BOOSTED_VERSIONS_JOIN = "LEFT JOIN statuses b INDEXED BY statuses_versions ON b.id = s.reblog_of_id"


def boosted_versions(rows) -> dict[str, int]:
    """status id -> version, for rows (status id, version, boosted id, boosted version)."""
    found = {}
    for status_id, version, boosted_id, boosted_version in rows:
        found[status_id] = version
        if boosted_id is not None:
            found[boosted_id] = boosted_version
    return found


class SqliteStatuses:
    def __init__(self, db):
        self.db = db

    async def _hydrate(self, row) -> Status | None:
        found = await self._hydrate_many([row] if row is not None else [])
        return found[0] if found else None

    async def _hydrate_many(self, rows) -> list[Status]:
        """Statuses from their rows, with mentions and tags loaded in one query for all."""
        statuses = [to_record(Status, row) for row in rows if row is not None]
        if not statuses:
            return statuses
        ids = [s.id for s in statuses]
        marks = listed(1)
        mentions: dict[str, list[str]] = {}
        tags: dict[str, list[str]] = {}
        for is_tag, status_id, value in await self.db.fetchkeyed(
                f"SELECT 0, status_id, account_id FROM mentions WHERE status_id IN ({marks}) "
                f"UNION ALL SELECT 1, status_id, name FROM status_tags WHERE status_id IN ({marks})", [values(ids)]):
            (tags if is_tag else mentions).setdefault(status_id, []).append(value)
        for status in statuses:
            status.mention_ids = mentions.get(status.id, [])
            status.tags = tags.get(status.id, [])
        return statuses

    async def get(self, status_id: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE id = ?", (status_id,)))

    async def by_uri(self, uri: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE uri = ?", (uri,)))

    async def get_many(self, ids, *, boosted: bool = False) -> dict[str, Status]:
        """The statuses with these ids that exist, by id (with `boosted`, the posts the boosts
        among them boost too), in two queries whatever their number."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = listed(1)
        if boosted:
            rows = await self.db.fetchkeyed(
                f"SELECT * FROM statuses WHERE id IN ({marks}) UNION ALL "
                f"SELECT b.* FROM statuses s JOIN statuses b ON b.id = s.reblog_of_id WHERE s.id IN ({marks})",
                [values(ids)])
            rows = list({row["id"]: row for row in rows}.values())
        else:
            rows = await self.db.fetchkeyed(f"SELECT * FROM statuses WHERE id IN ({marks})", [values(ids)])
        found = {s.id: s for s in await self._hydrate_many(rows)}
        if boosted:
            for status in found.values():
                if status.reblog_of_id:
                    status.boosted = found.get(status.reblog_of_id)
        return found

    async def versions(self, ids, *, boosted: bool = False) -> dict[str, int]:
        """The current version of each status with these ids that exists (with `boosted`, of the
        posts the boosts among them boost too), in one narrow query."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = listed()
        if not boosted:
            # statuses_versions covers the query; the planner would rather take the primary
            # key and read every row.
            sql = f"SELECT id, version FROM statuses INDEXED BY statuses_versions WHERE id IN ({marks})"
            return {r[0]: r[1] for r in await self.db.fetchkeyed(sql, [values(ids)])}
        rows = await self.db.fetchkeyed(
            f"SELECT s.id, {WITH_BOOSTED_VERSIONS} FROM statuses s INDEXED BY statuses_versions "
            f"{BOOSTED_VERSIONS_JOIN} WHERE s.id IN ({marks})", [values(ids)])
        return boosted_versions(rows)

    async def get_many_versioned(self, ids) -> dict[str, tuple[int, Status]]:
        """(version, status) for the statuses with these ids that exist (two queries)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = await self.db.fetchkeyed(f"SELECT * FROM statuses WHERE id IN ({listed()})", [values(ids)])
        return {s.id: (row["version"], s) for row, s in zip(rows, await self._hydrate_many(rows))}

    async def insert(self, status: Status) -> bool:
        """Store a status with its mentions and tags. False if the uri is already known."""
        sql, params = insert_sql("statuses", to_row(status, exclude=("mention_ids", "tags", "boosted")))
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

    async def reblogged(self, account_id: str, ids: list[str]) -> set[str]:
        """Which of these statuses the account has boosted."""
        rows = await self.db.fetchkeyed(
            f"SELECT reblog_of_id FROM statuses WHERE reblog_of_id IN ({listed()}) AND account_id = ?",
            (values(ids), account_id))
        return {r[0] for r in rows}

    async def rebloggers(self, status_id: str, limit: int = 40) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM statuses WHERE reblog_of_id = ? ORDER BY id DESC LIMIT ?", (status_id, limit)
        )
        return [r[0] for r in rows]

    async def edits(self, status_id: str) -> list:
        """Earlier versions, oldest first: rows of (content, summary, sensitive, created_at = replaced at)."""
        return await self.db.fetchkeyed(
            "SELECT content, summary, sensitive, created_at FROM status_edits WHERE status_id = ? ORDER BY id",
            (status_id,),
        )

    async def replies_count(self, uri: str) -> int:
        return (await self.db.aggregate("SELECT count(*) FROM statuses WHERE in_reply_to_uri = ?", (uri,)))[0]

    async def reblog_count(self, status_id: str) -> int:
        return (await self.db.aggregate("SELECT count(*) FROM statuses WHERE reblog_of_id = ?", (status_id,)))[0]

    async def replies(self, uri: str, visibilities=PUBLIC_VISIBILITIES, limit: int = 40) -> list[Status]:
        marks = ",".join("?" for _ in visibilities)
        rows = await self.db.fetchall(
            f"SELECT * FROM statuses WHERE in_reply_to_uri = ? AND visibility IN ({marks}) ORDER BY id LIMIT ?",
            (uri, *visibilities, limit),
        )
        return await self._hydrate_many(rows)

    async def ancestor_ids(self, status_id: str, limit: int = 40) -> list[str]:
        """The ids up the reply chain from this status, its parent first, in one query (a
        parent is found by its id, or by its URI when only that is known)."""
        rows = await self.db.fetchall(
            "WITH RECURSIVE up(id, depth) AS (SELECT ?, 0 UNION ALL "
            "SELECT p.id, up.depth + 1 FROM up JOIN statuses s ON s.id = up.id "
            "JOIN statuses p ON p.id = coalesce(s.in_reply_to_id, "
            "(SELECT x.id FROM statuses x WHERE x.uri = s.in_reply_to_uri)) WHERE up.depth < ?) "
            "SELECT id FROM up WHERE depth > 0 ORDER BY depth", (status_id, limit))
        return [r[0] for r in rows]

    async def below(self, uri: str, visibilities=PUBLIC_VISIBILITIES, limit: int = 1000,
                    depth: int = 100) -> list[Status]:
        """The replies below the status with this URI, and theirs, level by level, in two
        queries: at most `limit` of them, `depth` levels down."""
        marks = ",".join("?" for _ in visibilities)
        # SQLite stops the recursion at the limit; PostgreSQL allows no LIMIT there, and
        # computes only as many rows of the recursion as the query around it takes.
        inner, outer = ("", " LIMIT ?") if self.db.dialect == "postgresql" else (" LIMIT ?", "")
        rows = await self.db.fetchall(
            "WITH RECURSIVE below(id, uri, depth) AS (SELECT NULL, ?, 0 UNION ALL "
            "SELECT s.id, s.uri, below.depth + 1 FROM below JOIN statuses s ON s.in_reply_to_uri = below.uri "
            f"WHERE s.visibility IN ({marks}) AND below.depth < ?{inner}) "
            f"SELECT s.* FROM statuses s WHERE s.id IN (SELECT id FROM below WHERE depth > 0{outer})",
            (uri, *visibilities, depth, limit + 1))
        return await self._hydrate_many(rows)

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
        items = await self._hydrate_many(rows)
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

    async def search_tags(self, prefix: str, limit: int = 10) -> list[str]:
        """Hashtags in use that start with `prefix` (taken literally: `_` is a letter of a
        hashtag, not a wildcard), in order."""
        pattern = escape(prefix.lower()) + "%"
        rows = await self.db.fetchall(
            f"SELECT DISTINCT name FROM status_tags WHERE {like('name', pattern)} ORDER BY name LIMIT ?",
            (pattern, limit),
        )
        return [r[0] for r in rows]

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

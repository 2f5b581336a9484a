"""Statuses, published activities and per-account inbox items."""

from __future__ import annotations

import json
import time

from fedi.models import Activity, Page, Status
from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.rows import insert_sql, to_record, to_row

PUBLIC_VISIBILITIES = ("public", "unlisted")


class SqliteStatuses:
    def __init__(self, db):
        self.db = db

    async def _hydrate(self, row) -> Status | None:
        found = await self._hydrate_many([row] if row is not None else [])
        return found[0] if found else None

    async def _hydrate_many(self, rows) -> list[Status]:
        """Statuses from their rows, with mentions and tags loaded in two queries for all."""
        statuses = [to_record(Status, row) for row in rows if row is not None]
        if not statuses:
            return statuses
        ids = [s.id for s in statuses]
        marks = ",".join("?" for _ in ids)
        mentions: dict[str, list[str]] = {}
        for status_id, account_id in await self.db.fetchkeyed(
                f"SELECT status_id, account_id FROM mentions WHERE status_id IN ({marks})", ids):
            mentions.setdefault(status_id, []).append(account_id)
        tags: dict[str, list[str]] = {}
        for status_id, name in await self.db.fetchkeyed(
                f"SELECT status_id, name FROM status_tags WHERE status_id IN ({marks})", ids):
            tags.setdefault(status_id, []).append(name)
        for status in statuses:
            status.mention_ids = mentions.get(status.id, [])
            status.tags = tags.get(status.id, [])
        return statuses

    async def get(self, status_id: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE id = ?", (status_id,)))

    async def by_uri(self, uri: str) -> Status | None:
        return await self._hydrate(await self.db.fetchone("SELECT * FROM statuses WHERE uri = ?", (uri,)))

    async def get_many(self, ids) -> dict[str, Status]:
        """The statuses with these ids that exist, by id, in three queries whatever their number."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchkeyed(f"SELECT * FROM statuses WHERE id IN ({marks})", ids)
        return {s.id: s for s in await self._hydrate_many(rows)}

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

    async def reblog_counts(self, ids: list[str]) -> dict[str, int]:
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchkeyed(
            f"SELECT reblog_of_id, count(*) FROM statuses WHERE reblog_of_id IN ({marks}) GROUP BY reblog_of_id", ids)
        return {r[0]: r[1] for r in rows}

    async def replies_counts(self, uris: list[str]) -> dict[str, int]:
        marks = ",".join("?" for _ in uris)
        rows = await self.db.fetchkeyed(
            f"SELECT in_reply_to_uri, count(*) FROM statuses WHERE in_reply_to_uri IN ({marks}) "
            "GROUP BY in_reply_to_uri", uris)
        return {r[0]: r[1] for r in rows}

    async def reblogged(self, account_id: str, ids: list[str]) -> set[str]:
        """Which of these statuses the account has boosted."""
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchkeyed(
            f"SELECT reblog_of_id FROM statuses WHERE reblog_of_id IN ({marks}) AND account_id = ?", (*ids, account_id))
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
        rows = await self.db.fetchall(
            "SELECT DISTINCT name FROM status_tags WHERE name LIKE ? ORDER BY name LIMIT ?",
            (prefix.lower().replace("%", "") + "%", limit),
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


class SqliteFeeds:
    """Precomputed home timelines."""

    def __init__(self, db):
        self.db = db

    async def add(self, status_id: str, account_ids) -> None:
        """Put a status in these readers' feeds, but not of those who have blocked the domain
        of its author (or, for a boost, of the boosted post's author)."""
        rows = [(a, status_id) for a in dict.fromkeys(account_ids)]
        if rows:
            await self.db.executemany(
                "INSERT OR IGNORE INTO feeds (account_id, status_id) SELECT ?1, ?2 WHERE NOT EXISTS ("
                "SELECT 1 FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id "
                "JOIN accounts a ON a.id IN (s.account_id, o.account_id) "
                "JOIN account_domain_blocks d ON d.account_id = ?1 AND d.domain = a.domain "
                "WHERE s.id = ?2)", rows
            )

    async def readers(self, status_id: str) -> list[str]:
        rows = await self.db.fetchkeyed("SELECT account_id FROM feeds WHERE status_id = ?", (status_id,))
        return [r[0] for r in rows]

    async def remove_account_from(self, account_id: str, author_id: str) -> None:
        """Drop an author's statuses from one reader's feed (after an unfollow or a block)."""
        await self.db.execute(
            "DELETE FROM feeds WHERE account_id = ? AND status_id IN "
            "(SELECT id FROM statuses WHERE account_id = ?)", (account_id, author_id)
        )

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=20) -> list[str]:
        rows = await keyset(self.db.fetchkeyed, "SELECT status_id FROM feeds", ["account_id = ?"],
                            [account_id], "status_id", max_id=max_id, since_id=since_id, min_id=min_id,
                            limit=limit)
        return [r[0] for r in rows]


class SqliteTimelines:
    """Timelines computed at read time: public, local, hashtag, an account's posts."""

    def __init__(self, db):
        self.db = db

    async def public(self, *, local: bool | None = None, only_media: bool = False, tag: str | None = None,
                     with_local_only: bool = False, max_id=None, since_id=None, min_id=None,
                     limit=20) -> list[str]:
        """Public posts, newest first; `with_local_only` adds the local-only ones (for a
        signed-in local reader). Each visibility is read along its own index range, and the
        two pages are merged."""
        paging = {"only_media": only_media, "tag": tag, "max_id": max_id, "since_id": since_id,
                  "min_id": min_id, "limit": limit}
        ids = await self._public("public", local, **paging)
        if not with_local_only or local is False:
            return ids
        merged = sorted({*ids, *await self._public("local", local, **paging)}, reverse=True)
        ascending = bool(min_id and not since_id)  # the page right after min_id: the oldest ones
        return merged[-limit:] if ascending else merged[:limit]

    async def _public(self, visibility: str, local: bool | None, **paging) -> list[str]:
        conditions = ["s.visibility = ?", "s.reblog_of_id IS NULL",
                      "s.account_id NOT IN (SELECT id FROM accounts WHERE silenced = 1)"]
        params: list = [visibility]
        if local is not None:
            conditions.append("s.local = ?")
            params.append(int(local))
        return await self._ids(conditions, params, **paging)

    async def _ids(self, conditions: list[str], params: list, *, only_media: bool, tag: str | None,
                   **paging) -> list[str]:
        select = "SELECT s.id FROM statuses s"
        if only_media:
            conditions.append("s.attachments != '[]'")
        if tag:
            select += " JOIN status_tags t ON t.status_id = s.id"
            conditions.append("t.name = ?")
            params.append(tag.lower())
        return [r[0] for r in await keyset(self.db.fetchall, select, conditions, params, "s.id", **paging)]

    async def account(self, account_id: str, visibilities, *, exclude_replies=False, exclude_reblogs=False,
                      only_media=False, tag: str | None = None, max_id=None, since_id=None, min_id=None,
                      limit=20) -> list[str]:
        marks = ",".join("?" for _ in visibilities)
        conditions = ["s.account_id = ?", f"s.visibility IN ({marks})"]
        if exclude_replies:
            conditions.append("(s.in_reply_to_uri IS NULL OR s.in_reply_to_account_id = s.account_id)")
        if exclude_reblogs:
            conditions.append("s.reblog_of_id IS NULL")
        return await self._ids(conditions, [account_id, *visibilities], only_media=only_media, tag=tag,
                               max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)

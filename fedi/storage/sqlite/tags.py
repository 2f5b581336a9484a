"""Hashtags an account follows or features on its profile."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.values import listed, values

# Posts that count for a featured tag, as on Mastodon: the account's own public and unlisted ones.
COUNTED = "s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL"


class SqliteFollowedTags:
    def __init__(self, db):
        self.db = db

    async def follow(self, account_id: str, name: str, display_name: str) -> None:
        """Follow a tag (`name` lowercase); following it again keeps the first follow."""
        await self.db.execute(
            "INSERT OR IGNORE INTO followed_tags (id, account_id, name, display_name, created_at) "
            "VALUES (?,?,?,?,?)", (new_id(), account_id, name, display_name, time.time()),
        )

    async def unfollow(self, account_id: str, name: str) -> bool:
        return await self.db.execute(
            "DELETE FROM followed_tags WHERE account_id = ? AND name = ?", (account_id, name)) > 0

    async def get(self, account_id: str, name: str) -> dict | None:
        row = await self.db.fetchone(
            "SELECT * FROM followed_tags WHERE account_id = ? AND name = ?", (account_id, name))
        return dict(row) if row is not None else None

    async def among(self, account_id: str, names) -> set[str]:
        """Those of these tag names (lowercase) the account follows."""
        names = list(dict.fromkeys(names))
        if not names:
            return set()
        rows = await self.db.fetchkeyed(
            f"SELECT name FROM followed_tags WHERE account_id = ? AND name IN ({listed()})",
            (account_id, values(names)))
        return {r[0] for r in rows}

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                   limit=100) -> list[dict]:
        """The account's followed tags, most recently followed first: {id, name, display_name}."""
        rows = await keyset(self.db.fetchall, "SELECT id, name, display_name FROM followed_tags",
                            ["account_id = ?"], [account_id], "id", max_id=max_id, since_id=since_id,
                            min_id=min_id, limit=limit)
        return [dict(r) for r in rows]

    async def followers(self, names) -> list[str]:
        """Accounts following any of these tags (lowercase names)."""
        names = list(dict.fromkeys(names))
        if not names:
            return []
        rows = await self.db.fetchkeyed(
            f"SELECT DISTINCT account_id FROM followed_tags WHERE name IN ({listed()})", [values(names)])
        return [r[0] for r in rows]

    async def unmerge(self, account_id: str, name: str) -> None:
        """Take out of the account's home feed the public and local-only posts carrying this
        tag that it has only because of the tag: not its own, not by accounts it follows, and
        carrying no other tag it still follows."""
        await self.db.execute(
            "DELETE FROM feeds WHERE account_id = ?1 AND status_id IN ("
            " SELECT s.id FROM status_tags t JOIN statuses s ON s.id = t.status_id"
            " WHERE t.name = ?2 AND s.visibility IN ('public', 'local') AND s.account_id != ?1"
            " AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ?1"
            "                 AND f.target_id = s.account_id AND f.state = 'accepted')"
            " AND NOT EXISTS (SELECT 1 FROM status_tags o JOIN followed_tags ft ON ft.name = o.name"
            "                 WHERE o.status_id = s.id AND ft.account_id = ?1))",
            (account_id, name),
        )


class SqliteFeaturedTags:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, name: str, display_name: str) -> str | None:
        """Feature a tag (`name` lowercase); the new row's id, None if it is featured already."""
        tag_id = new_id()
        added = await self.db.execute(
            "INSERT OR IGNORE INTO featured_tags (id, account_id, name, display_name, created_at) "
            "VALUES (?,?,?,?,?)", (tag_id, account_id, name, display_name, time.time()),
        )
        return tag_id if added else None

    async def remove(self, account_id: str, tag_id: str) -> bool:
        return await self.db.execute(
            "DELETE FROM featured_tags WHERE account_id = ? AND id = ?", (account_id, tag_id)) > 0

    async def remove_name(self, account_id: str, name: str) -> bool:
        return await self.db.execute(
            "DELETE FROM featured_tags WHERE account_id = ? AND name = ?", (account_id, name)) > 0

    async def count(self, account_id: str) -> int:
        row = await self.db.aggregate(
            "SELECT count(*) FROM featured_tags WHERE account_id = ?", (account_id,))
        return row[0]

    async def of(self, account_id: str) -> list[dict]:
        """The account's featured tags with the use each had in its own public and unlisted
        posts: {id, name, display_name, statuses_count, last_status_at}, most used first."""
        used = ("FROM status_tags t JOIN statuses s ON s.id = t.status_id"
                f" WHERE t.name = f.name AND s.account_id = f.account_id AND {COUNTED}")
        rows = await self.db.fetchall(
            f"SELECT f.id, f.name, f.display_name, (SELECT count(*) {used}) AS statuses_count,"
            f" (SELECT max(s.published) {used}) AS last_status_at"
            " FROM featured_tags f WHERE f.account_id = ? ORDER BY statuses_count DESC, f.name",
            (account_id,),
        )
        return [dict(r) for r in rows]

    async def get(self, account_id: str, tag_id: str) -> dict | None:
        return next((t for t in await self.of(account_id) if t["id"] == tag_id), None)

    async def recently_used(self, account_id: str, limit: int = 10) -> list[str]:
        """Tags of the account's own posts, most recently used first, leaving out featured ones."""
        rows = await self.db.fetchall(
            "SELECT t.name FROM status_tags t JOIN statuses s ON s.id = t.status_id"
            " WHERE s.account_id = ?1 AND s.reblog_of_id IS NULL"
            " AND t.name NOT IN (SELECT name FROM featured_tags WHERE account_id = ?1)"
            " GROUP BY t.name ORDER BY max(s.id) DESC LIMIT ?2",
            (account_id, limit),
        )
        return [r[0] for r in rows]

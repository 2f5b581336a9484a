"""A reader's own collections: markers, bookmarks, mutes and lists."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.values import listed, values


class SqliteMarkers:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str, timelines) -> list:
        marks = ",".join("?" for _ in timelines)
        return await self.db.fetchkeyed(
            f"SELECT * FROM markers WHERE account_id = ? AND timeline IN ({marks})", (account_id, *timelines)
        )

    async def set(self, account_id: str, timeline: str, last_read_id: str) -> None:
        await self.db.execute(
            "INSERT INTO markers (account_id, timeline, last_read_id, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id, "
            "version = markers.version + 1, updated_at = excluded.updated_at",
            (account_id, timeline, last_read_id, time.time()),
        )


class SqliteBookmarks:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, status_id: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO bookmarks (id, account_id, status_id) VALUES (?,?,?)",
            (new_id(), account_id, status_id),
        )

    async def remove(self, account_id: str, status_id: str) -> None:
        await self.db.execute("DELETE FROM bookmarks WHERE account_id = ? AND status_id = ?", (account_id, status_id))

    async def has(self, account_id: str, status_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM bookmarks WHERE account_id = ? AND status_id = ?", (account_id, status_id)
        )
        return row is not None

    async def of(self, account_id: str, ids: list[str]) -> set[str]:
        rows = await self.db.fetchkeyed(
            f"SELECT status_id FROM bookmarks WHERE account_id = ? AND status_id IN ({listed()})",
            (account_id, values(ids)))
        return {r[0] for r in rows}

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=20):
        """(bookmark id, status id) pairs, newest first."""
        rows = await keyset(self.db.fetchall, "SELECT id, status_id FROM bookmarks", ["account_id = ?"],
                            [account_id], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]


class SqliteMutes:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, target_id: str, notifications: bool, expires_at: float | None) -> None:
        await self.db.execute(
            "INSERT INTO mutes (id, account_id, target_id, notifications, expires_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT(account_id, target_id) DO UPDATE SET notifications = excluded.notifications, "
            "expires_at = excluded.expires_at",
            (new_id(), account_id, target_id, int(notifications), expires_at),
        )

    async def remove(self, account_id: str, target_id: str) -> None:
        await self.db.execute("DELETE FROM mutes WHERE account_id = ? AND target_id = ?", (account_id, target_id))

    async def get(self, account_id: str, target_id: str):
        row = await self.db.fetchone(
            "SELECT * FROM mutes WHERE account_id = ? AND target_id = ? AND (expires_at IS NULL OR expires_at > ?)",
            (account_id, target_id, time.time()),
        )
        return row

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=40):
        rows = await keyset(self.db.fetchall, "SELECT id, target_id FROM mutes",
                            ["account_id = ?", "(expires_at IS NULL OR expires_at > ?)"], [account_id, time.time()],
                            "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]


class SqliteLists:
    def __init__(self, db):
        self.db = db

    async def create(self, account_id: str, title: str, replies_policy: str, exclusive: bool) -> str:
        list_id = new_id()
        await self.db.execute(
            "INSERT INTO lists (id, account_id, title, replies_policy, exclusive) VALUES (?,?,?,?,?)",
            (list_id, account_id, title, replies_policy, int(exclusive)),
        )
        return list_id

    async def get(self, list_id: str):
        return await self.db.fetchone("SELECT * FROM lists WHERE id = ?", (list_id,))

    async def of(self, account_id: str):
        return await self.db.fetchkeyed("SELECT * FROM lists WHERE account_id = ? ORDER BY title", (account_id,))

    async def update(self, list_id: str, title: str, replies_policy: str, exclusive: bool) -> None:
        await self.db.execute(
            "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
            (title, replies_policy, int(exclusive), list_id),
        )

    async def delete(self, list_id: str) -> None:
        await self.db.execute("DELETE FROM lists WHERE id = ?", (list_id,))

    async def add_accounts(self, list_id: str, account_ids) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO list_accounts (list_id, account_id) VALUES (?, ?)",
            [(list_id, a) for a in account_ids],
        )

    async def remove_accounts(self, list_id: str, account_ids) -> None:
        await self.db.executemany(
            "DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?", [(list_id, a) for a in account_ids]
        )

    async def containing(self, account_id: str, owner_ids: list[str]) -> list[str]:
        """Ids of the lists, owned by any of these readers, that include the account."""
        rows = await self.db.fetchkeyed(
            f"SELECT l.id FROM list_accounts la JOIN lists l ON l.id = la.list_id "
            f"WHERE la.account_id = ? AND l.account_id IN ({listed()})", (account_id, values(owner_ids)),
        )
        return [r[0] for r in rows]

    async def members(self, list_id: str) -> list[str]:
        # Along the primary key's prefix: as many rows as the list has members, no more.
        rows = await self.db.fetchkeyed("SELECT account_id FROM list_accounts WHERE list_id = ?", (list_id,))
        return [r[0] for r in rows]

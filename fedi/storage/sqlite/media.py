"""Uploaded media: the SQLite repository (the record lives in fedi.models)."""

from __future__ import annotations

from fedi.models import MediaAttachment
from fedi.storage.sqlite.rows import insert_sql, to_record, to_row
from fedi.storage.sqlite.values import listed, values

__all__ = ["KINDS", "MediaAttachment", "SqliteMedia"]

KINDS = ("image", "video", "gifv", "audio", "unknown")
UPDATABLE = frozenset({
    "status_id", "description", "focus_x", "focus_y", "blurhash",
})


class SqliteMedia:
    def __init__(self, db):
        self.db = db

    async def insert(self, media: MediaAttachment) -> None:
        sql, params = insert_sql("media", to_row(media))
        await self.db.execute(sql, params)

    async def get(self, media_id: str) -> MediaAttachment | None:
        row = await self.db.fetchone("SELECT * FROM media WHERE id = ?", (media_id,))
        return to_record(MediaAttachment, row)

    async def get_many(self, ids) -> dict[str, MediaAttachment]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = await self.db.fetchkeyed(f"SELECT * FROM media WHERE id IN ({listed()})", [values(ids)])
        return {row["id"]: to_record(MediaAttachment, row) for row in rows}

    async def by_file_name(self, name: str) -> MediaAttachment | None:
        """The record whose original or thumbnail is stored under `name`."""
        row = await self.db.fetchone(
            "SELECT * FROM media WHERE file_name = ?1 OR thumb_name = ?1", (name,)
        )
        return to_record(MediaAttachment, row)

    async def for_status(self, status_id: str) -> list[MediaAttachment]:
        rows = await self.db.fetchkeyed(
            "SELECT * FROM media WHERE status_id = ? ORDER BY id", (status_id,)
        )
        return [to_record(MediaAttachment, r) for r in rows]

    async def update(self, media_id: str, **changes) -> None:
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {', '.join(sorted(unknown))}")
        if not changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)
        await self.db.execute(f"UPDATE media SET {sets} WHERE id = ?", (*changes.values(), media_id))

    async def attach(self, media_ids, status_id: str) -> int:
        """Attach the still-unattached media among `media_ids`; returns how many were."""
        ids = list(dict.fromkeys(media_ids))
        if not ids:
            return 0
        return await self.db.execute(
            f"UPDATE media SET status_id = ? WHERE id IN ({listed()}) AND status_id IS NULL",
            (status_id, values(ids)),
        )

    async def delete(self, media_id: str) -> None:
        await self.db.execute("DELETE FROM media WHERE id = ?", (media_id,))

    async def delete_unattached(self, media_id: str) -> bool:
        """Delete the record unless it is attached to a status; True if it was deleted."""
        return bool(await self.db.execute(
            "DELETE FROM media WHERE id = ? AND status_id IS NULL", (media_id,)))

    async def unattached_before(self, cutoff: float, limit: int = 100,
                                after_id: str | None = None) -> list[MediaAttachment]:
        """Uploads created before `cutoff` and never attached to a status, by id (those after
        `after_id`)."""
        rows = await self.db.fetchall(
            "SELECT * FROM media WHERE status_id IS NULL AND created_at < ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (cutoff, after_id or "", limit),
        )
        return [to_record(MediaAttachment, r) for r in rows]

    async def of_deleted_statuses(self, limit: int = 100) -> list[MediaAttachment]:
        """Media attached to a status that no longer exists."""
        rows = await self.db.fetchall(
            "SELECT * FROM media m WHERE m.status_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = m.status_id) "
            "ORDER BY m.id LIMIT ?",
            (limit,),
        )
        return [to_record(MediaAttachment, r) for r in rows]

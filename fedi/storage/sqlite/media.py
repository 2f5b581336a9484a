"""Uploaded media: the record and its SQLite repository."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.storage.sqlite.rows import insert_sql, to_record, to_row

KINDS = ("image", "video", "gifv", "audio", "unknown")
UPDATABLE = frozenset({
    "status_id", "description", "focus_x", "focus_y", "blurhash",
})


@dataclass
class MediaAttachment:
    """One uploaded file with its thumbnail (file names are relative to the media dir)."""

    id: str
    account_id: str
    content_type: str
    file_name: str
    size: int
    created_at: float
    kind: str = "image"
    status_id: str | None = None
    thumb_name: str | None = None
    thumb_content_type: str | None = None
    width: int | None = None
    height: int | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None
    description: str | None = None
    focus_x: float | None = None
    focus_y: float | None = None
    blurhash: str | None = None

    @property
    def attached(self) -> bool:
        return self.status_id is not None

    @property
    def focus(self) -> tuple[float, float] | None:
        if self.focus_x is None or self.focus_y is None:
            return None
        return self.focus_x, self.focus_y


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
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchkeyed(f"SELECT * FROM media WHERE id IN ({marks})", ids)
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
        marks = ",".join("?" for _ in ids)
        return await self.db.execute(
            f"UPDATE media SET status_id = ? WHERE id IN ({marks}) AND status_id IS NULL",
            (status_id, *ids),
        )

    async def delete(self, media_id: str) -> None:
        await self.db.execute("DELETE FROM media WHERE id = ?", (media_id,))

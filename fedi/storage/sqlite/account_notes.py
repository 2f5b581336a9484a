"""Private notes local accounts keep about other accounts."""

from __future__ import annotations

import time


class SqliteAccountNotes:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str, target_id: str) -> str:
        """The note, or "" without one."""
        row = await self.db.fetchone(
            "SELECT comment FROM account_notes WHERE account_id = ? AND target_id = ?", (account_id, target_id))
        return row[0] if row else ""

    async def set(self, account_id: str, target_id: str, comment: str) -> None:
        """Keep the note; an empty one removes it."""
        if not comment:
            await self.db.execute("DELETE FROM account_notes WHERE account_id = ? AND target_id = ?",
                                  (account_id, target_id))
            return
        await self.db.execute(
            "INSERT INTO account_notes (account_id, target_id, comment, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(account_id, target_id) DO UPDATE SET comment = excluded.comment, "
            "updated_at = excluded.updated_at", (account_id, target_id, comment, time.time()))

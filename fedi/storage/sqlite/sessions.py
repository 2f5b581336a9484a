"""Browser sessions and invitation links."""

from __future__ import annotations

import time


class SqliteSessions:
    def __init__(self, db):
        self.db = db

    async def create(self, token_hash: str, account_id: str, user_agent: str = "") -> None:
        now = time.time()
        await self.db.execute(
            "INSERT INTO web_sessions (token_hash, account_id, user_agent, created_at, last_seen_at) "
            "VALUES (?,?,?,?,?)", (token_hash, account_id, user_agent[:300], now, now))

    async def get(self, token_hash: str) -> dict | None:
        row = await self.db.fetchone("SELECT * FROM web_sessions WHERE token_hash = ?", (token_hash,))
        return dict(row) if row else None

    async def touch(self, token_hash: str) -> None:
        await self.db.execute("UPDATE web_sessions SET last_seen_at = ? WHERE token_hash = ?",
                              (time.time(), token_hash))

    async def delete(self, token_hash: str) -> None:
        await self.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))

    async def delete_for_account(self, account_id: str, keep: str | None = None) -> None:
        await self.db.execute("DELETE FROM web_sessions WHERE account_id = ? AND token_hash IS NOT ?",
                              (account_id, keep))

    async def delete_idle(self, before: float) -> int:
        return await self.db.execute("DELETE FROM web_sessions WHERE last_seen_at < ?", (before,))


class SqliteInvites:
    def __init__(self, db):
        self.db = db

    async def create(self, code: str, created_by: str | None, max_uses: int | None,
                     expires_at: float | None) -> None:
        await self.db.execute(
            "INSERT INTO invites (code, created_by, max_uses, expires_at, created_at) VALUES (?,?,?,?,?)",
            (code, created_by, max_uses, expires_at, time.time()))

    async def get(self, code: str) -> dict | None:
        row = await self.db.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
        return dict(row) if row else None

    async def use(self, code: str, now: float) -> bool:
        """Count one use if the invite is still valid; False when it is not."""
        changed = await self.db.execute(
            "UPDATE invites SET uses = uses + 1 WHERE code = ? AND (max_uses IS NULL OR uses < max_uses) "
            "AND (expires_at IS NULL OR expires_at > ?)", (code, now))
        return changed > 0

    async def list(self) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall("SELECT * FROM invites ORDER BY created_at DESC")]

    async def delete(self, code: str) -> None:
        await self.db.execute("DELETE FROM invites WHERE code = ?", (code,))

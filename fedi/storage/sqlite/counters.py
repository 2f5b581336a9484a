"""What every process sharing the database counts together: Idempotency-Key results and
client API requests per rate-limit window."""

from __future__ import annotations


class SqliteIdempotencyKeys:
    """Idempotency keys of the client API (see fedi.services.memory.StoredIdempotency)."""

    def __init__(self, db):
        self.db = db

    async def claim(self, account_id: str, key: str, now: float, ttl: float) -> bool:
        """Take the key unless a live claim holds it (one older than `ttl` is dropped first)."""
        await self.db.execute("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at < ?",
                              (account_id, key, now - ttl))
        return await self.db.execute(
            "INSERT OR IGNORE INTO idempotency_keys (account_id, key, created_at) VALUES (?, ?, ?)",
            (account_id, key, now)) > 0

    async def get(self, account_id: str, key: str) -> tuple[bool, str | None]:
        """(whether the key is claimed, the result once there is one)."""
        row = await self.db.fetchone("SELECT result FROM idempotency_keys WHERE account_id = ? AND key = ?",
                                     (account_id, key))
        return (row is not None, row[0] if row else None)

    async def fulfil(self, account_id: str, key: str, result: str) -> None:
        await self.db.execute("UPDATE idempotency_keys SET result = ? WHERE account_id = ? AND key = ?",
                              (result, account_id, key))

    async def release(self, account_id: str, key: str) -> None:
        await self.db.execute("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND result IS NULL",
                              (account_id, key))

    async def purge(self, before: float) -> int:
        return await self.db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (before,))


class SqliteRateCounts:
    """Client API requests per rate-limit key and window, added up across processes."""

    def __init__(self, db):
        self.db = db

    async def add(self, items: list[tuple[str, float, int]]) -> list[int]:
        """Add each (key, window start, requests) and return the new totals, in one transaction."""
        async def write(tx):
            totals = []
            for key, start, n in items:
                rows = await tx.write_fetchall(
                    "INSERT INTO rate_counts (key, window_start, count) VALUES (?, ?, ?) "
                    "ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counts.count + excluded.count "
                    "RETURNING count", (key, start, n))
                totals.append(rows[0][0])
            return totals
        if hasattr(self.db, "after_commit"):  # already in a transaction
            return await write(self.db)
        return await self.db.write(write)

    async def purge(self, before: float) -> int:
        return await self.db.execute("DELETE FROM rate_counts WHERE window_start < ?", (before,))

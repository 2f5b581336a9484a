"""Accounts an account features on its profile (endorsements) and who it may want to follow."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.storage.sqlite.paging import keyset


class SqliteEndorsements:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, target_id: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO endorsements (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
            (new_id(), account_id, target_id, time.time()),
        )

    async def remove(self, account_id: str, target_id: str) -> None:
        await self.db.execute(
            "DELETE FROM endorsements WHERE account_id = ? AND target_id = ?", (account_id, target_id))

    async def has(self, account_id: str, target_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM endorsements WHERE account_id = ? AND target_id = ?", (account_id, target_id))
        return row is not None

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                   limit=40) -> list[tuple[str, str]]:
        """(endorsement id, account id) pairs, newest first, leaving out suspended accounts."""
        select = "SELECT e.id, e.target_id FROM endorsements e JOIN accounts a ON a.id = e.target_id"
        rows = await keyset(
            self.db.fetchall, select, ["e.account_id = ?", "a.suspended = 0"], [account_id], "e.id",
            max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]


# Accounts one may be suggested: not oneself, not followed or requested, not blocked either
# way, not muted, not dismissed; discoverable, not suspended, and (if local) a user.
_ELIGIBLE = """
    a.id != ?1 AND a.suspended = 0 AND a.discoverable = 1
    AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id))
    AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ?1 AND f.target_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ?1 AND b.target_id = a.id)
                                              OR (b.account_id = a.id AND b.target_id = ?1))
    AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ?1 AND m.target_id = a.id
                                           AND (m.expires_at IS NULL OR m.expires_at > ?2))
    AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals d WHERE d.account_id = ?1 AND d.target_id = a.id)
"""

# Accounts followed by the accounts ?1 follows (with how many of those follow each), and the
# candidates: those and every local account.
_CANDIDATES = """
    WITH fof AS (
        SELECT f2.target_id AS id, count(*) AS n FROM follows f1
        JOIN follows f2 ON f2.follower_id = f1.target_id AND f2.state = 'accepted'
        WHERE f1.follower_id = ?1 AND f1.state = 'accepted' GROUP BY f2.target_id
    ), candidates AS (SELECT id FROM accounts WHERE domain IS NULL UNION SELECT id FROM fof)
"""


class SqliteSuggestions:
    def __init__(self, db):
        self.db = db

    async def dismiss(self, account_id: str, target_id: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO suggestion_dismissals (account_id, target_id, created_at) VALUES (?,?,?)",
            (account_id, target_id, time.time()),
        )

    async def candidates(self, account_id: str, limit: int = 40) -> list[dict]:
        """Local accounts and accounts followed by those the account follows, that it could
        follow: {id, local, followers (count), via_follows (how many it follows follow them)},
        most followed first."""
        rows = await self.db.fetchall(
            f"{_CANDIDATES} SELECT a.id, a.domain IS NULL AS local,"
            " coalesce(st.followers_count, 0) AS followers, coalesce(fof.n, 0) AS via_follows"
            " FROM candidates c JOIN accounts a ON a.id = c.id"
            " LEFT JOIN account_stats st ON st.account_id = a.id LEFT JOIN fof ON fof.id = a.id"
            f" WHERE {_ELIGIBLE} ORDER BY followers DESC, via_follows DESC, a.id LIMIT ?3",
            (account_id, time.time(), limit),
        )
        return [{"id": r["id"], "local": bool(r["local"]), "followers": r["followers"],
                 "via_follows": r["via_follows"]} for r in rows]

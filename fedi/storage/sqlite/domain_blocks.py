"""Domains local accounts have blocked, and the SQL condition that hides those domains."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.storage.sqlite.paging import keyset


def domain_blocked(reader: str, account: str) -> str:
    """SQL that is true when `account` (a column or `?`) is on a domain `reader` has blocked.
    Parameters bind in that order: reader, then account. Local accounts (no domain) never match."""
    return ("EXISTS (SELECT 1 FROM account_domain_blocks bd JOIN accounts ba ON ba.domain = bd.domain "
            f"WHERE bd.account_id = {reader} AND ba.id = {account})")


class SqliteDomainBlocks:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, domain: str) -> bool:
        """Block a domain; False when it was blocked already."""
        return await self.db.execute(
            "INSERT OR IGNORE INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?,?,?,?)",
            (new_id(), account_id, domain, time.time())) > 0

    async def remove(self, account_id: str, domain: str) -> None:
        await self.db.execute("DELETE FROM account_domain_blocks WHERE account_id = ? AND domain = ?",
                              (account_id, domain))

    async def has(self, account_id: str, domain: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM account_domain_blocks WHERE account_id = ? AND domain = ?", (account_id, domain))
        return row is not None

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                   limit=100) -> list[tuple[str, str]]:
        """(block id, domain) pairs, newest first."""
        rows = await keyset(self.db.fetchall, "SELECT id, domain FROM account_domain_blocks", ["account_id = ?"],
                            [account_id], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]

    async def follows_with(self, account_id: str, domain: str) -> tuple[list[str], list[str]]:
        """Accounts on the domain that the account follows or asked to follow, and those that
        follow it or asked to."""
        following = await self.db.fetchall(
            "SELECT f.target_id FROM follows f JOIN accounts a ON a.id = f.target_id "
            "WHERE f.follower_id = ? AND a.domain = ? ORDER BY f.id", (account_id, domain))
        followers = await self.db.fetchall(
            "SELECT f.follower_id FROM follows f JOIN accounts a ON a.id = f.follower_id "
            "WHERE f.target_id = ? AND a.domain = ? ORDER BY f.id", (account_id, domain))
        return [r[0] for r in following], [r[0] for r in followers]

    async def clear_notifications(self, account_id: str, domain: str) -> int:
        """Delete the account's notifications from accounts on the domain."""
        return await self.db.execute(
            "DELETE FROM notifications WHERE account_id = ? AND from_account_id IN "
            "(SELECT id FROM accounts WHERE domain = ?)", (account_id, domain))

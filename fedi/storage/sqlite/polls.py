"""Polls and the votes cast on them."""

from __future__ import annotations

import json
import time
from fedi.storage.sqlite.values import listed, values


def _poll(row) -> dict | None:
    if row is None:
        return None
    return {
        "status_id": row["status_id"],
        "options": json.loads(row["options"]),
        "counts": json.loads(row["counts"]),
        "multiple": bool(row["multiple"]),
        "hide_totals": bool(row["hide_totals"]),
        "expires_at": row["expires_at"],
        "voters_count": row["voters_count"],
        "updated_at": row["updated_at"],
    }


class SqlitePolls:
    def __init__(self, db):
        self.db = db

    async def put(self, status_id: str, options: list[str], *, multiple: bool, expires_at: float | None,
                  counts: list[int] | None = None, voters_count: int = 0, hide_totals: bool = False) -> None:
        """Create a poll, or replace a known one's options, tallies and closing time."""
        counts = list(counts) if counts is not None else [0] * len(options)
        await self.db.execute(
            "INSERT INTO polls (status_id, options, counts, multiple, hide_totals, expires_at, voters_count, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(status_id) DO UPDATE SET "
            "options = excluded.options, counts = excluded.counts, multiple = excluded.multiple, "
            "expires_at = excluded.expires_at, voters_count = excluded.voters_count, "
            "updated_at = excluded.updated_at",
            (status_id, json.dumps(options), json.dumps(counts), int(multiple), int(hide_totals),
             expires_at, voters_count, time.time()),
        )

    async def get(self, status_id: str) -> dict | None:
        return _poll(await self.db.fetchone("SELECT * FROM polls WHERE status_id = ?", (status_id,)))

    async def get_many(self, status_ids: list[str]) -> dict[str, dict]:
        if not status_ids:
            return {}
        rows = await self.db.fetchkeyed(f"SELECT * FROM polls WHERE status_id IN ({listed()})", [values(status_ids)])
        return {r["status_id"]: _poll(r) for r in rows}

    async def local_voters(self, status_id: str) -> list[str]:
        rows = await self.db.fetchkeyed(
            "SELECT DISTINCT v.account_id FROM poll_votes v JOIN accounts a ON a.id = v.account_id "
            "WHERE v.status_id = ? AND a.domain IS NULL", (status_id,),
        )
        return [r[0] for r in rows]

    async def votes_of(self, account_id: str, status_ids: list[str]) -> dict[str, list[int]]:
        """status id → the choices `account_id` made in it (polls not voted in are left out)."""
        if not status_ids:
            return {}
        rows = await self.db.fetchkeyed(
            f"SELECT status_id, choice FROM poll_votes WHERE account_id = ? AND status_id IN ({listed()}) "
            "ORDER BY choice", (account_id, values(status_ids)))
        out: dict[str, list[int]] = {}
        for r in rows:
            out.setdefault(r["status_id"], []).append(r["choice"])
        return out

    async def add_votes(self, status_id: str, account_id: str, choices: list[int],
                        uris: list[str | None] | None = None) -> list[int]:
        """Record votes (each choice once per account) and count them in the poll's tallies.
        Call inside a transaction; returns the choices that were new."""
        poll = await self.get(status_id)
        if poll is None:
            return []
        voted_before = await self.db.fetchone(
            "SELECT 1 FROM poll_votes WHERE status_id = ? AND account_id = ?", (status_id, account_id))
        fresh, now = [], time.time()
        for i, choice in enumerate(choices):
            uri = uris[i] if uris else None
            added = await self.db.execute(
                "INSERT OR IGNORE INTO poll_votes (status_id, account_id, choice, uri, created_at) "
                "VALUES (?,?,?,?,?)", (status_id, account_id, choice, uri, now))
            if added:
                fresh.append(choice)
        if fresh:
            counts = poll["counts"] + [0] * (len(poll["options"]) - len(poll["counts"]))
            for choice in fresh:
                counts[choice] += 1
            voters = poll["voters_count"] + (0 if voted_before else 1)
            await self.db.execute(
                "UPDATE polls SET counts = ?, voters_count = ?, updated_at = ? WHERE status_id = ?",
                (json.dumps(counts), voters, now, status_id))
        return fresh

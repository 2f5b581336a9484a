"""Reports for moderators, and the threads readers muted."""

from __future__ import annotations

import json
import time

from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.values import listed, values

# A status's thread keys: its own conversation, and its parent's (peers that send no
# `conversation` still put a reply in the thread of the post it answers).
# Driven by the reader's first muted thread, so that a reader who muted none (most) costs
# one index probe instead of a look at every post and its parent. The reader is ?1; `marks`
# are the statuses, one list parameter (`listed(N)`).
THREAD_MUTED = (
    "SELECT s.id FROM (SELECT account_id FROM conversation_mutes WHERE account_id = ?1 LIMIT 1) x "
    "CROSS JOIN statuses s LEFT JOIN statuses p ON p.id = s.in_reply_to_id "
    "JOIN conversation_mutes m ON m.account_id = x.account_id "
    "AND m.conversation IN (coalesce(s.conversation, s.uri), coalesce(p.conversation, p.uri)) "
    "WHERE s.id IN ({marks})"
)


def _report(row) -> dict | None:
    if row is None:
        return None
    report = dict(row)
    report["status_ids"] = json.loads(report["status_ids"] or "[]")
    report["rule_ids"] = json.loads(report["rule_ids"]) if report["rule_ids"] else None
    report["forwarded"] = bool(report["forwarded"])
    report["action_taken"] = bool(report["action_taken"])
    return report


class SqliteReports:
    def __init__(self, db):
        self.db = db

    async def insert(self, report: dict) -> bool:
        """Store a report; False when one with the same Flag uri and target exists (a repeat)."""
        rule_ids = report.get("rule_ids")
        return await self.db.execute(
            "INSERT OR IGNORE INTO reports (id, account_id, target_account_id, status_ids, comment, "
            "category, rule_ids, forwarded, uri, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (report["id"], report["account_id"], report["target_account_id"],
             json.dumps(report.get("status_ids") or []), report.get("comment") or "",
             report.get("category") or "other", json.dumps(rule_ids) if rule_ids else None,
             int(bool(report.get("forwarded"))), report.get("uri"),
             report.get("created_at") or time.time()),
        ) > 0

    async def get(self, report_id: str) -> dict | None:
        return _report(await self.db.fetchone("SELECT * FROM reports WHERE id = ?", (report_id,)))

    async def page(self, *, resolved: bool | None = None, target_account_id: str | None = None,
                   max_id=None, since_id=None, min_id=None, limit=40) -> list[dict]:
        """Reports newest first, optionally only open (resolved=False) or resolved ones."""
        where, params = [], []
        if resolved is not None:
            where.append("action_taken = ?")
            params.append(int(resolved))
        if target_account_id is not None:
            where.append("target_account_id = ?")
            params.append(target_account_id)
        rows = await keyset(self.db.fetchall, "SELECT * FROM reports", where, params, "id",
                            max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [_report(r) for r in rows]


class SqliteConversationMutes:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, key: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO conversation_mutes (account_id, conversation, created_at) "
            "VALUES (?,?,?)",
            (account_id, key, time.time()),
        )

    async def remove(self, account_id: str, keys: list[str]) -> None:
        await self.db.executemany(
            "DELETE FROM conversation_mutes WHERE account_id = ? AND conversation = ?",
            [(account_id, key) for key in keys],
        )

    async def muted(self, account_id: str, status_ids: list[str]) -> set[str]:
        """The statuses among `status_ids` whose thread the account muted."""
        if not status_ids:
            return set()
        rows = await self.db.fetchkeyed(THREAD_MUTED.format(marks=listed(2)),
                                        (account_id, values(status_ids)))
        return {r[0] for r in rows}

"""Web Push subscriptions, one per access token; a revoked token's subscription is inert."""

from __future__ import annotations

import json
import time

LIVE = "SELECT p.* FROM push_subscriptions p JOIN tokens t ON t.id = p.token_id AND t.revoked = 0"


def _record(row) -> dict | None:
    if row is None:
        return None
    sub = dict(row)
    sub["alerts"] = json.loads(sub["alerts"])
    sub["standard"] = bool(sub["standard"])
    return sub


class SqlitePushSubscriptions:
    def __init__(self, db):
        self.db = db

    async def put(self, sub: dict) -> None:
        """Create the token's subscription, replacing any earlier one."""
        await self.db.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (sub["token_id"],))
        await self.db.execute(
            "INSERT INTO push_subscriptions (id, token_id, account_id, endpoint, p256dh, auth, standard, "
            "alerts, policy, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (sub["id"], sub["token_id"], sub["account_id"], sub["endpoint"], sub["p256dh"], sub["auth"],
             int(sub["standard"]), json.dumps(sub["alerts"]), sub["policy"], time.time()),
        )

    async def for_token(self, token_id: str) -> dict | None:
        return _record(await self.db.fetchone(f"{LIVE} WHERE p.token_id = ?", (token_id,)))

    async def get(self, sub_id: str) -> dict | None:
        return _record(await self.db.fetchone(f"{LIVE} WHERE p.id = ?", (sub_id,)))

    async def for_account(self, account_id: str) -> list[dict]:
        rows = await self.db.fetchkeyed(f"{LIVE} WHERE p.account_id = ?", (account_id,))
        return [_record(r) for r in rows]

    async def update(self, token_id: str, alerts: dict, policy: str) -> None:
        await self.db.execute("UPDATE push_subscriptions SET alerts = ?, policy = ? WHERE token_id = ?",
                              (json.dumps(alerts), policy, token_id))

    async def delete_for_token(self, token_id: str) -> None:
        await self.db.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (token_id,))

    async def delete(self, sub_id: str) -> None:
        await self.db.execute("DELETE FROM push_subscriptions WHERE id = ?", (sub_id,))

"""What the instance's admins decide: suspended and silenced accounts, domain blocks and
allowed domains, resolved reports, and the figures of the admin dashboard."""

from __future__ import annotations

import time

from fedi.models import Account
from fedi.storage.sqlite.rows import to_record
from fedi.storage.sqlite.text import escape, like
from fedi.storage.sqlite.values import listed, values

# Sorting and filtering of the admin's account list.
ACCOUNT_FILTERS = {
    "local": "a.domain IS NULL",
    "remote": "a.domain IS NOT NULL",
    "suspended": "a.suspended = 1",
    "silenced": "a.silenced = 1",
    "admins": "u.admin = 1",
}


def _anywhere(value: str) -> str:
    return "%" + escape(value) + "%"


def _entry(row) -> dict:
    return {"account": to_record(Account, row), "silenced": bool(row["silenced"]),
            "user": row["email"] is not None, "email": row["email"] or "", "admin": bool(row["admin"]),
            "approved": bool(row["approved"]) if row["approved"] is not None else True,
            "reason": row["reason"] or "", "suspended_at": row["suspended_at"]}


class SqliteModeration:
    def __init__(self, db):
        self.db = db

    # ------------------------------------------------------------------ accounts

    async def set_suspended(self, account_id: str, suspended: bool) -> bool:
        """Suspend or reinstate an account; False when there was nothing to change."""
        now = time.time()
        return await self.db.execute(
            "UPDATE accounts SET suspended = ?, suspended_at = ?, updated_at = ? WHERE id = ? AND suspended != ?",
            (int(suspended), now if suspended else None, now, account_id, int(suspended)),
        ) > 0

    async def set_silenced(self, account_id: str, silenced: bool) -> bool:
        return await self.db.execute(
            "UPDATE accounts SET silenced = ?, updated_at = ? WHERE id = ? AND silenced != ?",
            (int(silenced), time.time(), account_id, int(silenced)),
        ) > 0

    async def silenced(self, account_ids) -> set[str]:
        """The silenced accounts among these."""
        ids = list(set(account_ids))
        if not ids:
            return set()
        rows = await self.db.fetchkeyed(f"SELECT id FROM accounts WHERE silenced = 1 AND id IN ({listed()})",
                                        [values(ids)])
        return {r[0] for r in rows}

    async def account_entry(self, account_id: str) -> dict | None:
        """An account as the admin pages show it: the account, whether it is silenced, and for
        local accounts the e-mail, admin and approval flags and the reason given at sign-up."""
        row = await self.db.fetchone(
            "SELECT a.*, u.email, u.admin, u.approved, u.reason FROM accounts a "
            "LEFT JOIN users u ON u.account_id = a.id WHERE a.id = ?", (account_id,))
        return _entry(row) if row is not None else None

    async def find_accounts(self, query: str = "", which: str = "local", *, offset: int = 0,
                            limit: int = 50) -> list[dict]:
        """Accounts for the admin's list, newest first: `which` is one of ACCOUNT_FILTERS (or
        "all"); `query` matches the username, display name, domain or e-mail anywhere."""
        where, params = [], []
        if which in ACCOUNT_FILTERS:
            where.append(ACCOUNT_FILTERS[which])
        query = query.strip().lstrip("@")
        if query:
            user, _, domain = query.partition("@")
            if domain:
                user_p, domain_p, query_p = _anywhere(user), _anywhere(domain), _anywhere(query)
                on_domain = like("coalesce(a.domain, '')", domain_p)
                where.append(f"(({like('a.username', user_p)} AND {on_domain}) OR {like('u.email', query_p)})")
                params += [user_p, domain_p, query_p]
            else:
                query_p = _anywhere(query)
                where.append("(" + " OR ".join(like(c, query_p) for c in
                                               ("a.username", "a.display_name", "a.domain", "u.email")) + ")")
                params += [query_p] * 4
        clause = " AND ".join(where) or "1 = 1"
        rows = await self.db.fetchall(
            "SELECT a.*, u.email, u.admin, u.approved, u.reason FROM accounts a "
            f"LEFT JOIN users u ON u.account_id = a.id WHERE {clause} ORDER BY a.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset))
        return [_entry(r) for r in rows]

    async def accounts_on(self, domains: list[str]) -> int:
        """How many accounts are known on these domains."""
        if not domains:
            return 0
        row = await self.db.aggregate(f"SELECT count(*) FROM accounts WHERE domain IN ({listed()})",
                                      [values(domains)])
        return row[0]

    async def sever_domains(self, domains: list[str]) -> int:
        """Remove every follow and follow request between local accounts and accounts on these
        domains (exact `accounts.domain` values). Returns how many were removed."""
        if not domains:
            return 0
        on_domains = f"SELECT id FROM accounts WHERE domain IN ({listed(1)})"
        return await self.db.execute(
            f"DELETE FROM follows WHERE follower_id IN ({on_domains}) OR target_id IN ({on_domains})",
            [values(domains)])

    # ------------------------------------------------------------------ domains

    async def domain_blocks(self) -> list[dict]:
        """The instance's domain blocks, newest first: {domain, comment, created_by, created_at}."""
        rows = await self.db.fetchall("SELECT * FROM instance_domain_blocks ORDER BY created_at DESC, domain")
        return [dict(r) for r in rows]

    async def block_domain(self, domain: str, comment: str, created_by: str | None) -> bool:
        """Block a domain; False when it was blocked already (its comment is updated)."""
        exists = await self.db.fetchone("SELECT 1 FROM instance_domain_blocks WHERE domain = ?", (domain,))
        await self.db.execute(
            "INSERT INTO instance_domain_blocks (domain, comment, created_by, created_at) VALUES (?,?,?,?) "
            "ON CONFLICT(domain) DO UPDATE SET comment = excluded.comment",
            (domain, comment, created_by, time.time()))
        return exists is None

    async def unblock_domain(self, domain: str) -> bool:
        return await self.db.execute("DELETE FROM instance_domain_blocks WHERE domain = ?", (domain,)) > 0

    async def allowed_domains(self) -> list[dict]:
        rows = await self.db.fetchall("SELECT * FROM instance_allowed_domains ORDER BY domain")
        return [dict(r) for r in rows]

    async def allow_domain(self, domain: str, created_by: str | None) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO instance_allowed_domains (domain, created_by, created_at) VALUES (?,?,?)",
            (domain, created_by, time.time())) > 0

    async def disallow_domain(self, domain: str) -> bool:
        return await self.db.execute("DELETE FROM instance_allowed_domains WHERE domain = ?", (domain,)) > 0

    # ------------------------------------------------------------------ reports

    async def resolve_report(self, report_id: str, resolved: bool, by: str | None) -> bool:
        """Mark a report resolved (by an admin) or open again; False when it is already so."""
        return await self.db.execute(
            "UPDATE reports SET action_taken = ?, action_taken_at = ?, action_taken_by = ? "
            "WHERE id = ? AND action_taken != ?",
            (int(resolved), time.time() if resolved else None, by if resolved else None, report_id,
             int(resolved))) > 0

    async def resolve_reports_about(self, target_account_id: str, by: str | None) -> int:
        """Resolve every open report about an account."""
        return await self.db.execute(
            "UPDATE reports SET action_taken = 1, action_taken_at = ?, action_taken_by = ? "
            "WHERE target_account_id = ? AND action_taken = 0", (time.time(), by, target_account_id))

    async def report_resolver(self, report_id: str) -> str | None:
        row = await self.db.fetchone("SELECT action_taken_by FROM reports WHERE id = ?", (report_id,))
        return row[0] if row else None

    # ------------------------------------------------------------------ dashboard

    async def figures(self) -> dict:
        """Counts for the dashboard."""
        row = await self.db.aggregate(
            "SELECT (SELECT count(*) FROM accounts WHERE domain IS NULL), "
            "(SELECT count(*) FROM accounts WHERE domain IS NOT NULL), "
            "(SELECT count(*) FROM statuses WHERE local = 1), "
            "(SELECT count(*) FROM statuses WHERE local = 0), "
            "(SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL), "
            "(SELECT count(*) FROM reports WHERE action_taken = 0), "
            "(SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id "
            " WHERE u.approved = 0 AND a.suspended = 0), "
            "(SELECT count(*) FROM accounts WHERE suspended = 1), "
            "(SELECT count(*) FROM accounts WHERE silenced = 1)")
        keys = ("local_accounts", "remote_accounts", "local_posts", "remote_posts", "peers", "open_reports",
                "pending_accounts", "suspended_accounts", "silenced_accounts")
        return dict(zip(keys, row))

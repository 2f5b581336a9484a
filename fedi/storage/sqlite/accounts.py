"""Accounts (local and remote), users and tokens."""

from __future__ import annotations

import json
import time

from fedi.models import Account, App, AuthCode, Token, User
from fedi.storage.sqlite.text import escape, like
from fedi.storage.sqlite.rows import ACCOUNT_COLUMNS, JSON_FIELDS, insert_sql, to_record, to_row
from fedi.storage.sqlite.values import listed, values


class SqliteAccounts:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str) -> Account | None:
        return to_record(Account, await self.db.fetchone("SELECT * FROM accounts WHERE id = ?", (account_id,)))

    async def get_many(self, ids) -> dict[str, Account]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = await self.db.fetchkeyed(f"SELECT * FROM accounts WHERE id IN ({listed()})", [values(ids)])
        return {row["id"]: to_record(Account, row) for row in rows}

    async def with_stats(self, ids) -> tuple[dict[str, Account], dict[str, tuple]]:
        """The accounts with these ids that exist, and their counters (as `stats`), in one query."""
        ids = list(set(ids))
        if not ids:
            return {}, {}
        rows = await self.db.fetchkeyed(
            "SELECT a.*, s.statuses_count AS stat_statuses, s.followers_count AS stat_followers, "
            "s.following_count AS stat_following, s.last_status_at AS stat_last_status, "
            "s.account_id AS stat_account FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id "
            f"WHERE a.id IN ({listed()})", [values(ids)])
        found, stats = {}, {}
        for row in rows:
            found[row["id"]] = to_record(Account, row)
            if row["stat_account"] is not None:
                stats[row["id"]] = (row["stat_statuses"], row["stat_followers"], row["stat_following"],
                                    row["stat_last_status"])
        return found, stats

    async def with_stats_since(self, ids, known: dict[str, int]) -> tuple[dict[str, Account], dict[str, int],
                                                                        dict[str, tuple]]:
        """Like `with_stats`, for a caller that keeps records: the version of each account, its
        counters, and the records of those whose version is not the one in `known` (at most
        two queries, one narrow)."""
        ids = list(set(ids))
        if not ids:
            return {}, {}, {}
        rows = await self.db.fetchkeyed(
            "SELECT a.id, a.version, s.statuses_count, s.followers_count, s.following_count, s.last_status_at "
            "FROM accounts a INDEXED BY accounts_versions LEFT JOIN account_stats s ON s.account_id = a.id "
            f"WHERE a.id IN ({listed()})", [values(ids)])
        versions, stats, stale = {}, {}, []
        for account_id, version, statuses, followers, following, last in rows:
            versions[account_id] = version
            if statuses is not None:  # never NULL in a row of account_stats
                stats[account_id] = (statuses, followers, following, last)
            if known.get(account_id) != version:
                stale.append(account_id)
        found = {}
        if stale:
            for row in await self.db.fetchkeyed(f"SELECT * FROM accounts WHERE id IN ({listed()})",
                                                [values(stale)]):
                found[row["id"]] = to_record(Account, row)
                versions[row["id"]] = row["version"]
        return found, versions, stats

    async def by_uri(self, uri: str) -> Account | None:
        return to_record(Account, await self.db.fetchone("SELECT * FROM accounts WHERE uri = ?", (uri,)))

    async def by_url(self, url: str) -> Account | None:
        """The account whose actor id or profile page is this URL (a trailing slash aside)."""
        bare = url.rstrip("/")
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE uri IN (?1, ?2) OR url IN (?1, ?2) ORDER BY uri IN (?1, ?2) DESC LIMIT 1",
            (bare, bare + "/"))
        return to_record(Account, row)

    async def linking_to(self, targets: list[str], limit: int = 1000, *, local_only: bool = False) -> list[str]:
        """Ids of accounts (local ones only, if asked) whose aliases or profile fields mention one
        of these URLs (candidates: the caller checks each link exactly)."""
        targets = [t for t in targets if t]
        if not targets:
            return []
        cond = " OR ".join("instr(also_known_as, ?) > 0 OR instr(fields, ?) > 0" for _ in targets)
        params = [p for t in targets for p in (json.dumps(t)[1:-1], t)]
        rows = await self.db.fetchall(
            f"SELECT id FROM accounts WHERE suspended = 0{' AND domain IS NULL' if local_only else ''} "
            f"AND ({cond}) LIMIT ?", (*params, limit))
        return [r[0] for r in rows]

    async def by_key_id(self, key_id: str) -> Account | None:
        row = await self.db.fetchone("SELECT * FROM accounts WHERE public_key_id = ?", (key_id,))
        return to_record(Account, row)

    async def by_handle(self, username: str, domain: str | None) -> Account | None:
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE lower(username) = lower(?) AND coalesce(domain, '') = ?",
            (username, (domain or "").lower()),
        )
        return to_record(Account, row)

    async def search(self, query: str, limit: int = 20, *, local_only: bool = False) -> list[Account]:
        """Accounts whose username or display name starts with the query (case-insensitive)."""
        user, _, domain = query.strip().lstrip("@").partition("@")
        prefix = escape(user) + "%"
        params: list = [prefix, prefix]
        where = f"({like('username', prefix)} OR {like('display_name', prefix)}) AND suspended = 0"
        if domain:
            where += f" AND {like('domain', escape(domain) + '%')}"
            params.append(escape(domain) + "%")
        if local_only:
            where += " AND domain IS NULL"
        rows = await self.db.fetchall(
            f"SELECT * FROM accounts WHERE {where} ORDER BY domain IS NOT NULL, username LIMIT ?", (*params, limit)
        )
        return [to_record(Account, r) for r in rows]

    async def stats(self, ids) -> dict[str, tuple[int, int, int, float | None]]:
        """(statuses, followers, following, last status time) by account id."""
        ids = list(set(ids))
        if not ids:
            return {}
        rows = await self.db.fetchkeyed(
            f"SELECT account_id, statuses_count, followers_count, following_count, last_status_at "
            f"FROM account_stats WHERE account_id IN ({listed()})", [values(ids)],
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    async def one_on_domain(self, domain: str) -> Account | None:
        row = await self.db.fetchone("SELECT * FROM accounts WHERE domain = ? LIMIT 1", (domain.lower(),))
        return to_record(Account, row)

    async def list_local(self) -> list[Account]:
        rows = await self.db.fetchall(
            "SELECT * FROM accounts WHERE domain IS NULL ORDER BY id"
        )
        return [to_record(Account, r) for r in rows]

    async def local_directory(self, limit: int) -> list[Account]:
        """Local accounts that want to be found (discoverable, not suspended), oldest first,
        read along the local accounts' index until `limit` are found."""
        rows = await self.db.fetchall(
            "SELECT * FROM accounts INDEXED BY accounts_local WHERE domain IS NULL AND discoverable = 1 "
            "AND suspended = 0 "
            "ORDER BY id LIMIT ?", (limit,))
        return [to_record(Account, r) for r in rows]

    async def count_local(self) -> int:
        """Local users whose accounts are not suspended: one probe per user, whatever the
        number of remote accounts known."""
        row = await self.db.aggregate(
            "SELECT count(*) FROM users u WHERE (SELECT suspended FROM accounts a WHERE a.id = u.account_id) = 0")
        return row[0]

    async def insert(self, account: Account) -> None:
        sql, params = insert_sql("accounts", to_row(account))
        await self.db.execute(sql, params)

    async def upsert_remote(self, account: Account) -> Account:
        """Insert a remote actor, or refresh the stored copy (keeping our id)."""
        existing = await self.by_uri(account.uri)
        if existing is None:
            await self.insert(account)
            return account
        account.id = existing.id
        account.created_at = existing.created_at
        row = to_row(account, exclude=("id", "uri", "created_at"))
        sets = ", ".join(f"{k} = ?" for k in row)
        await self.db.execute(f"UPDATE accounts SET {sets} WHERE id = ?", (*row.values(), existing.id))
        return account

    async def update(self, account_id: str, **changes) -> None:
        if not changes:
            return
        changes["updated_at"] = time.time()
        args = []
        for key, value in changes.items():
            if key not in ACCOUNT_COLUMNS or key in ("id", "uri"):
                raise KeyError(key)
            if key in JSON_FIELDS:
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = int(value)
            args.append(value)
        sets = ", ".join(f"{k} = ?" for k in changes)
        await self.db.execute(f"UPDATE accounts SET {sets} WHERE id = ?", (*args, account_id))

    async def delete(self, account_id: str) -> None:
        await self.db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))

    async def local_posts(self) -> int:
        """Posts by local accounts, boosts excluded (their counters added up: no scan)."""
        row = await self.db.aggregate(
            "SELECT coalesce(sum(s.statuses_count), 0) FROM users u JOIN account_stats s ON s.account_id = u.account_id")
        return int(row[0])

    async def count_domains(self) -> int:
        row = await self.db.aggregate("SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL")
        return int(row[0])

    async def known_domains(self) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL ORDER BY domain"
        )
        return [r[0] for r in rows]


class SqliteUsers:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str) -> User | None:
        return to_record(User, await self.db.fetchone("SELECT * FROM users WHERE account_id = ?", (account_id,)))

    async def by_email(self, email: str) -> User | None:
        # Case-insensitive: SQLite's column is COLLATE NOCASE (and so is its index);
        # PostgreSQL's unique index is on lower(email).
        where = "lower(email) = lower(?)" if self.db.dialect == "postgresql" else "email = ?"
        return to_record(User, await self.db.fetchone(f"SELECT * FROM users WHERE {where}", (email,)))

    async def insert(self, user: User) -> None:
        sql, params = insert_sql("users", to_row(user))
        await self.db.execute(sql, params)

    async def update(self, account_id: str, **changes) -> None:
        sets = ", ".join(f"{k} = ?" for k in changes)
        args = [int(v) if isinstance(v, bool) else v for v in changes.values()]
        await self.db.execute(f"UPDATE users SET {sets} WHERE account_id = ?", (*args, account_id))

    async def active_since(self, since: float) -> int:
        """Local users who posted or boosted since `since`: one probe of account_stats (which
        keeps each account's latest post) per user, never a scan of the posts."""
        row = await self.db.aggregate(
            "SELECT count(*) FROM users u "
            "WHERE (SELECT last_status_at FROM account_stats s WHERE s.account_id = u.account_id) >= ?", (since,))
        return row[0]


class SqliteTokens:
    def __init__(self, db):
        self.db = db

    async def insert(self, token_id: str, account_id: str | None, token_hash: str, scopes: str,
                     app_id: str | None = None) -> None:
        await self.db.execute(
            "INSERT INTO tokens (id, account_id, token_hash, scopes, app_id, created_at) VALUES (?,?,?,?,?,?)",
            (token_id, account_id, token_hash, scopes, app_id, time.time()),
        )

    async def lookup(self, token_hash: str) -> Token | None:
        row = await self.db.fetchone(
            "SELECT * FROM tokens WHERE token_hash = ? AND revoked = 0", (token_hash,)
        )
        return to_record(Token, row)

    async def lookup_versioned(self, token_hash: str) -> tuple[Token, int | None, int | None] | None:
        """The unrevoked token with this hash, the current version of its account (None when it
        has none or the account is gone) and of the account's notifications (None before its
        first notification)."""
        row = await self.db.fetchone(
            "SELECT t.*, a.version AS account_version, n.version AS notifications_version FROM tokens t "
            "LEFT JOIN accounts a ON a.id = t.account_id "
            "LEFT JOIN notification_versions n ON n.account_id = t.account_id "
            "WHERE t.token_hash = ? AND t.revoked = 0", (token_hash,))
        if row is None:
            return None
        return to_record(Token, row), row["account_version"], row["notifications_version"]

    async def revoke(self, token_hash: str) -> None:
        await self.db.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (token_hash,))

    async def revoke_for_app(self, app_id: str, account_id: str | None = None) -> None:
        if account_id is None:
            await self.db.execute("UPDATE tokens SET revoked = 1 WHERE app_id = ?", (app_id,))
        else:
            await self.db.execute(
                "UPDATE tokens SET revoked = 1 WHERE app_id = ? AND account_id = ?", (app_id, account_id)
            )

    async def revoke_id(self, token_id: str, account_id: str) -> None:
        await self.db.execute("UPDATE tokens SET revoked = 1 WHERE id = ? AND account_id = ?",
                              (token_id, account_id))

    async def for_account(self, account_id: str) -> list[Token]:
        rows = await self.db.fetchall(
            "SELECT * FROM tokens WHERE account_id = ? AND revoked = 0 ORDER BY created_at DESC", (account_id,)
        )
        return [to_record(Token, r) for r in rows]


class SqliteApps:
    def __init__(self, db):
        self.db = db

    async def insert(self, app: App) -> None:
        sql, params = insert_sql("apps", to_row(app))
        await self.db.execute(sql, params)

    async def get(self, app_id: str) -> App | None:
        return to_record(App, await self.db.fetchone("SELECT * FROM apps WHERE id = ?", (app_id,)))

    async def by_client_id(self, client_id: str) -> App | None:
        return to_record(App, await self.db.fetchone("SELECT * FROM apps WHERE client_id = ?", (client_id,)))


class SqliteAuthCodes:
    def __init__(self, db):
        self.db = db

    async def insert(self, code: AuthCode) -> None:
        sql, params = insert_sql("auth_codes", to_row(code))
        await self.db.execute(sql, params)

    async def take(self, code_hash: str) -> AuthCode | None:
        """Use a code once: returns it if it was valid and unused, and marks it used."""
        rows = await self.db.write_fetchall(
            "UPDATE auth_codes SET used = 1 WHERE code_hash = ? AND used = 0 AND expires_at > ? "
            "RETURNING code_hash, app_id, account_id, redirect_uri, scopes, expires_at, "
            "code_challenge, code_challenge_method",
            (code_hash, time.time()),
        )
        return to_record(AuthCode, rows[0]) if rows else None

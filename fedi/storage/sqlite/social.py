"""Follows, blocks, favourites, pins and notifications."""

from __future__ import annotations

import time

from fedi.models import Block, Favourite, Follow, Page
from fedi.storage.sqlite.domain_blocks import domain_blocked
from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.rows import insert_sql, to_record, to_row
from fedi.storage.sqlite.values import listed, values


class SqliteFollows:
    def __init__(self, db):
        self.db = db

    async def get(self, follower_id: str, target_id: str) -> Follow | None:
        row = await self.db.fetchone(
            "SELECT * FROM follows WHERE follower_id = ? AND target_id = ?", (follower_id, target_id)
        )
        return to_record(Follow, row)

    async def followed_among(self, follower_id: str, target_ids, *, requested: bool = False) -> set[str]:
        """Those of `target_ids` the follower follows (accepted follows only; with `requested`,
        also those it has asked to follow)."""
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return set()
        only_accepted = "" if requested else " AND state = 'accepted'"
        rows = await self.db.fetchkeyed(
            f"SELECT target_id FROM follows WHERE follower_id = ? AND target_id IN ({listed()}){only_accepted}",
            (follower_id, values(ids)))
        return {r[0] for r in rows}

    async def by_uri(self, uri: str) -> Follow | None:
        return to_record(Follow, await self.db.fetchone("SELECT * FROM follows WHERE uri = ?", (uri,)))

    async def insert(self, follow: Follow) -> None:
        sql, params = insert_sql("follows", to_row(follow))
        await self.db.execute(sql, params)

    async def familiar_followers_of(self, viewer_id: str, target_ids: list[str],
                                    limit: int = 40) -> dict[str, list[str]]:
        """For each target, its followers whom the viewer follows (at most `limit`, newest
        follow first), in one query."""
        found: dict[str, list[str]] = {t: [] for t in target_ids}
        if not target_ids:
            return found
        rows = await self.db.fetchall(
            "SELECT target_id, follower_id FROM (SELECT f1.target_id AS target_id, f1.follower_id AS follower_id, "
            "ROW_NUMBER() OVER (PARTITION BY f1.target_id ORDER BY f1.id DESC) AS rn "
            "FROM follows f1 JOIN follows f2 ON f2.target_id = f1.follower_id "
            f"WHERE f1.target_id IN ({listed()}) AND f1.state = 'accepted' AND f2.follower_id = ? "
            "AND f2.state = 'accepted') AS ranked WHERE rn <= ? ORDER BY target_id, rn", (values(target_ids), viewer_id, limit))
        for target_id, follower_id in rows:
            found[target_id].append(follower_id)
        return found

    async def familiar_followers(self, viewer_id: str, target_id: str, limit: int = 40) -> list[str]:
        """Followers of the target whom the viewer follows."""
        rows = await self.db.fetchall(
            "SELECT f1.follower_id FROM follows f1 JOIN follows f2 ON f2.target_id = f1.follower_id "
            "WHERE f1.target_id = ? AND f1.state = 'accepted' AND f2.follower_id = ? AND f2.state = 'accepted' "
            "ORDER BY f1.id DESC LIMIT ?", (target_id, viewer_id, limit),
        )
        return [r[0] for r in rows]

    async def mutuals_page(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                           limit=40) -> list[tuple[str, str]]:
        """(follow id, account id) of accounts that follow this one and are followed back
        ("connections"), newest follower first, paged by the id of their follow."""
        rows = await keyset(
            self.db.fetchall, "SELECT f.id, f.follower_id FROM follows f",
            ["f.target_id = ?", "f.state = 'accepted'",
             "EXISTS (SELECT 1 FROM follows b WHERE b.follower_id = f.target_id AND b.target_id = f.follower_id "
             "AND b.state = 'accepted')"],
            [account_id], "f.id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]

    async def mutual_count(self, account_id: str) -> int:
        row = await self.db.aggregate(
            "SELECT count(*) FROM follows f JOIN follows b ON b.follower_id = f.target_id "
            "AND b.target_id = f.follower_id AND b.state = 'accepted' "
            "WHERE f.target_id = ? AND f.state = 'accepted'", (account_id,))
        return row[0]

    async def set_notify(self, follow_id: str, notify: bool) -> None:
        await self.db.execute("UPDATE follows SET notify = ? WHERE id = ?", (int(notify), follow_id))

    async def set_state(self, follow_id: str, state: str) -> None:
        await self.db.execute("UPDATE follows SET state = ? WHERE id = ?", (state, follow_id))

    async def delete(self, follow_id: str) -> None:
        await self.db.execute("DELETE FROM follows WHERE id = ?", (follow_id,))

    async def pending_for(self, target_id: str) -> list[Follow]:
        rows = await self.db.fetchall(
            "SELECT * FROM follows WHERE target_id = ? AND state = 'pending' ORDER BY id", (target_id,)
        )
        return [to_record(Follow, r) for r in rows]

    async def _page(self, column: str, other: str, account_id: str, max_id, limit) -> Page:
        params = [account_id]
        extra = ""
        if max_id:
            extra = " AND f.id < ?"
            params.append(max_id)
        rows = await self.db.fetchall(
            f"SELECT f.id AS fid, a.uri FROM follows f JOIN accounts a ON a.id = f.{other} "
            f"WHERE f.{column} = ? AND f.state = 'accepted'{extra} ORDER BY f.id DESC LIMIT ?",
            (*params, limit),
        )
        total = (await self.db.aggregate(
            f"SELECT count(*) FROM follows WHERE {column} = ? AND state = 'accepted'", (account_id,)
        ))[0]
        next_max = rows[-1]["fid"] if len(rows) == limit else None
        return Page(items=[r["uri"] for r in rows], total=total, next_max_id=next_max)

    async def account_page(self, account_id: str, *, followers: bool, state: str = "accepted",
                           max_id=None, since_id=None, min_id=None, limit=40) -> list[tuple[str, str]]:
        """(follow id, other account id) pairs, newest first, paged by follow id."""
        mine, other = ("target_id", "follower_id") if followers else ("follower_id", "target_id")
        rows = await keyset(self.db.fetchall, f"SELECT id, {other} FROM follows", [f"{mine} = ?", "state = ?"],
                            [account_id, state], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]

    async def requests_page(self, target_id: str, *, max_id=None, since_id=None, min_id=None,
                            limit=40) -> list[Follow]:
        """The pending follows of the target, newest first, paged by follow id."""
        rows = await keyset(self.db.fetchall, "SELECT * FROM follows", ["target_id = ?", "state = 'pending'"],
                            [target_id], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [to_record(Follow, r) for r in rows]

    async def followers_page(self, account_id: str, max_id: str | None = None, limit: int = 40) -> Page:
        return await self._page("target_id", "follower_id", account_id, max_id, limit)

    async def following_page(self, account_id: str, max_id: str | None = None, limit: int = 40) -> Page:
        return await self._page("follower_id", "target_id", account_id, max_id, limit)

    async def counts(self, account_id: str) -> tuple[int, int]:
        row = await self.db.aggregate(
            "SELECT (SELECT count(*) FROM follows WHERE target_id = ?1 AND state = 'accepted'),"
            " (SELECT count(*) FROM follows WHERE follower_id = ?1 AND state = 'accepted')",
            (account_id,),
        )
        return row[0], row[1]

    async def follower_inboxes(self, account_id: str) -> list[str]:
        """Distinct delivery inboxes of remote accepted followers (shared inbox preferred)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) FROM follows f "
            "JOIN accounts a ON a.id = f.follower_id "
            "WHERE f.target_id = ? AND f.state = 'accepted' AND a.domain IS NOT NULL "
            "AND a.suspended = 0 AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
            (account_id,),
        )
        return [r[0] for r in rows]

    async def home_audience(self, account_id: str) -> tuple[list[tuple[str, bool]], bool]:
        """What fan-out needs of an author, in one statement: its local accepted followers
        (id, wants to hear of each new post), and whether it is silenced."""
        rows = await self.db.fetchkeyed(
            "SELECT f.follower_id, f.notify FROM follows f JOIN accounts a ON a.id = f.follower_id "
            "WHERE f.target_id = ?1 AND f.state = 'accepted' AND a.domain IS NULL "
            "UNION ALL SELECT NULL, silenced FROM accounts WHERE id = ?1",
            (account_id,),
        )
        followers = [(r[0], bool(r[1])) for r in rows if r[0] is not None]
        return followers, any(r[0] is None and r[1] for r in rows)

    async def local_followers(self, account_id: str) -> list[str]:
        rows = await self.db.fetchkeyed(
            "SELECT f.follower_id FROM follows f JOIN accounts a ON a.id = f.follower_id "
            "WHERE f.target_id = ? AND f.state = 'accepted' AND a.domain IS NULL",
            (account_id,),
        )
        return [r[0] for r in rows]

    async def local_followers_of_uris(self, actor_uri: str) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT f.follower_id FROM follows f JOIN accounts t ON t.id = f.target_id "
            "JOIN accounts a ON a.id = f.follower_id "
            "WHERE t.uri = ? AND f.state = 'accepted' AND a.domain IS NULL",
            (actor_uri,),
        )
        return [r[0] for r in rows]


def blocks_among(marks: str) -> str:
    """A statement for the accounts among `marks` that block the account ?1 or that it
    blocks, by account or by domain. Each kind of block is looked for only when ?1 has any
    of that kind (one lookup each), as most have none."""
    return (
        "SELECT target_id FROM blocks WHERE EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1) "
        f"AND account_id = ?1 AND target_id IN ({marks}) "
        "UNION ALL SELECT account_id FROM blocks WHERE EXISTS (SELECT 1 FROM blocks WHERE target_id = ?1) "
        f"AND target_id = ?1 AND account_id IN ({marks}) "
        "UNION ALL SELECT a.id FROM accounts a JOIN account_domain_blocks bd ON bd.domain = a.domain "
        "WHERE EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = ?1) "
        f"AND bd.account_id = ?1 AND a.id IN ({marks}) "
        "UNION ALL SELECT bd.account_id FROM account_domain_blocks bd JOIN accounts v ON v.domain = bd.domain "
        "WHERE EXISTS (SELECT 1 FROM account_domain_blocks x JOIN accounts w ON w.domain = x.domain "
        f"WHERE w.id = ?1) AND v.id = ?1 AND bd.account_id IN ({marks})")


_EITHER_WAY = ("SELECT 1 FROM blocks WHERE (account_id = ? AND target_id = ?) OR (account_id = ? AND target_id = ?) "
               f"UNION ALL SELECT 1 WHERE {domain_blocked('?', '?')} OR {domain_blocked('?', '?')} LIMIT 1")


class SqliteBlocks:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str, target_id: str) -> Block | None:
        row = await self.db.fetchone(
            "SELECT * FROM blocks WHERE account_id = ? AND target_id = ?", (account_id, target_id)
        )
        return to_record(Block, row)

    async def by_uri(self, uri: str) -> Block | None:
        return to_record(Block, await self.db.fetchone("SELECT * FROM blocks WHERE uri = ?", (uri,)))

    async def among(self, viewer_id: str, account_ids) -> set[str]:
        """Those of `account_ids` that block the viewer or that the viewer blocks, by account or
        by domain (either_way for many accounts at once; see `blocks_among`)."""
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return set()
        rows = await self.db.fetchkeyed(blocks_among(listed(2)), (viewer_id, values(ids)))
        return {r[0] for r in rows}

    async def either_way(self, a: str, b: str) -> bool:
        """Whether either account blocks the other, or has blocked the other's domain."""
        row = await self.db.fetchone(_EITHER_WAY, (a, b, b, a, a, b, b, a))
        return row is not None

    async def standing(self, viewer_id: str, author_id: str) -> tuple[bool, bool]:
        """(whether either blocks the other, as either_way; whether the viewer's follow of the
        author is accepted), in one statement."""
        a, b = viewer_id, author_id
        row = await self.db.fetchone(
            f"SELECT EXISTS ({_EITHER_WAY}), EXISTS (SELECT 1 FROM follows WHERE follower_id = ? "
            "AND target_id = ? AND state = 'accepted')", (a, b, b, a, a, b, b, a, a, b))
        return bool(row[0]), bool(row[1])

    async def insert(self, block: Block) -> None:
        sql, params = insert_sql("blocks", to_row(block), "INSERT OR IGNORE")
        await self.db.execute(sql, params)

    async def delete(self, block_id: str) -> None:
        await self.db.execute("DELETE FROM blocks WHERE id = ?", (block_id,))

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                   limit=40) -> list[tuple[str, str]]:
        """(block id, blocked account id) pairs, newest first."""
        rows = await keyset(self.db.fetchall, "SELECT id, target_id FROM blocks", ["account_id = ?"],
                            [account_id], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]


class SqliteFavourites:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str, status_id: str) -> Favourite | None:
        row = await self.db.fetchone(
            "SELECT * FROM favourites WHERE account_id = ? AND status_id = ?", (account_id, status_id)
        )
        return to_record(Favourite, row)

    async def by_uri(self, uri: str) -> Favourite | None:
        return to_record(Favourite, await self.db.fetchone("SELECT * FROM favourites WHERE uri = ?", (uri,)))

    async def insert(self, fav: Favourite) -> bool:
        sql, params = insert_sql("favourites", to_row(fav), "INSERT OR IGNORE")
        return await self.db.execute(sql, params) > 0

    async def delete(self, fav_id: str) -> None:
        await self.db.execute("DELETE FROM favourites WHERE id = ?", (fav_id,))

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=20):
        """(favourite id, status id) pairs of an account's favourites, newest first."""
        rows = await keyset(self.db.fetchall, "SELECT id, status_id FROM favourites", ["account_id = ?"],
                            [account_id], "id", max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [(r[0], r[1]) for r in rows]

    async def of(self, account_id: str, ids: list[str]) -> set[str]:
        """Which of these statuses the account has favourited."""
        rows = await self.db.fetchkeyed(
            f"SELECT status_id FROM favourites WHERE account_id = ? AND status_id IN ({listed()})",
            (account_id, values(ids)))
        return {r[0] for r in rows}

    async def count(self, status_id: str) -> int:
        return (await self.db.aggregate("SELECT count(*) FROM favourites WHERE status_id = ?", (status_id,)))[0]

    async def accounts_for(self, status_id: str, limit: int | None = None) -> list[str]:
        """Who favourited the status, oldest first; with `limit`, the most recent ones only."""
        if limit is None:
            rows = await self.db.fetchall(
                "SELECT account_id FROM favourites WHERE status_id = ? ORDER BY id", (status_id,))
            return [r[0] for r in rows]
        rows = await self.db.fetchall(
            "SELECT account_id FROM favourites WHERE status_id = ? ORDER BY id DESC LIMIT ?", (status_id, limit))
        return [r[0] for r in rows][::-1]


class SqlitePins:
    def __init__(self, db):
        self.db = db

    async def add(self, account_id: str, status_id: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO pins (account_id, status_id, created_at) VALUES (?,?,?)",
            (account_id, status_id, time.time()),
        )

    async def remove(self, account_id: str, status_id: str) -> None:
        await self.db.execute("DELETE FROM pins WHERE account_id = ? AND status_id = ?", (account_id, status_id))

    async def list(self, account_id: str) -> list[str]:
        rows = await self.db.fetchkeyed(
            "SELECT status_id FROM pins WHERE account_id = ? ORDER BY created_at DESC", (account_id,)
        )
        return [r[0] for r in rows]

"""Notifications: each one, a reader's page of them, and their groups (Mastodon 4.3's
grouped notifications)."""

from __future__ import annotations

import time

from fedi.models import Notification
from fedi.storage.sqlite.domain_blocks import domain_blocked
from fedi.storage.sqlite.paging import keyset
from fedi.storage.sqlite.rows import to_record, to_row
from fedi.storage.sqlite.statuses import BOOSTED_VERSIONS_JOIN, boosted_versions


SHAPE_STEP = 4  # group summaries: the number of groups with a status, rounded up to a multiple


def _post_is(status_id: str | None) -> tuple[str, list]:
    """The condition on a group's status: `status_id = ?` or `IS NULL` rather than `IS ?`,
    which PostgreSQL's index cannot serve."""
    return ("status_id IS NULL", []) if status_id is None else ("status_id = ?", [status_id])


class SqliteNotifications:
    def __init__(self, db):
        self.db = db

    async def insert(self, n: Notification) -> bool:
        """Store a notification, unless its recipient has blocked the sender or the sender's
        domain, or mutes the sender's notifications. True if it was stored."""
        row = to_row(n)
        return await self.db.execute(
            f"INSERT INTO notifications ({', '.join(row)}) SELECT {', '.join('?' for _ in row)} "
            f"WHERE NOT {domain_blocked('?', '?')} "
            "AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ? AND target_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ? AND target_id = ? AND notifications = 1 "
            "AND (expires_at IS NULL OR expires_at > ?))",
            (*row.values(), n.account_id, n.from_account_id, n.account_id, n.from_account_id,
             n.account_id, n.from_account_id, time.time())) > 0

    async def get(self, notification_id: str) -> Notification | None:
        row = await self.db.fetchone("SELECT * FROM notifications WHERE id = ?", (notification_id,))
        return to_record(Notification, row)

    async def delete(self, notification_id: str) -> None:
        await self.db.execute("DELETE FROM notifications WHERE id = ?", (notification_id,))

    async def clear_from(self, account_id: str, from_account_id: str) -> int:
        """Delete the account's notifications caused by one other account."""
        return await self.db.execute("DELETE FROM notifications WHERE account_id = ? AND from_account_id = ?",
                                     (account_id, from_account_id))

    async def clear(self, account_id: str) -> None:
        await self.db.execute("DELETE FROM notifications WHERE account_id = ?", (account_id,))

    async def page(self, account_id: str, *, types=None, exclude_types=None, from_account_id=None,
                   max_id=None, since_id=None, min_id=None, limit=40) -> list[Notification]:
        where, params = self._filters(types, exclude_types, from_account_id)
        # Unfiltered, a page is the first rows of the account's index range: read at once.
        # Filtered, it may pass over many rows the filters leave out: read in a thread.
        fetch = self.db.fetchall if where else self.db.fetchkeyed
        rows = await keyset(fetch, "SELECT * FROM notifications", ["account_id = ?", *where],
                            [account_id, *params], "id",
                            max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [to_record(Notification, r) for r in rows]

    async def page_versioned(self, account_id: str, *, types=None, exclude_types=None, from_account_id=None,
                             max_id=None, since_id=None, min_id=None, limit=40
                             ) -> tuple[list[Notification], dict[str, int]]:
        """`page`, with the current version of the status each notification is about and of
        the post it boosts, if any (as Statuses.versions(..., boosted=True)), in the same
        statement."""
        where, params = self._filters(types, exclude_types, from_account_id, prefix="n.")
        fetch = self.db.fetchall if where else self.db.fetchkeyed
        rows = await keyset(fetch, "SELECT n.*, s.version AS status_version, b.id AS boosted_id, "
                            "b.version AS boosted_version FROM notifications n "
                            "LEFT JOIN statuses s INDEXED BY statuses_versions ON s.id = n.status_id "
                            f"{BOOSTED_VERSIONS_JOIN}", ["n.account_id = ?", *where],
                            [account_id, *params], "n.id",
                            max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [to_record(Notification, r) for r in rows], boosted_versions(
            (r["status_id"], r["status_version"], r["boosted_id"], r["boosted_version"])
            for r in rows if r["status_version"] is not None)

    async def list(self, account_id: str, max_id: str | None = None, limit: int = 40) -> list[Notification]:
        params: list = [account_id]
        extra = ""
        if max_id:
            extra, params = " AND id < ?", [account_id, max_id]
        rows = await self.db.fetchall(
            f"SELECT * FROM notifications WHERE account_id = ?{extra} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [to_record(Notification, r) for r in rows]

    # Grouped notifications. A group is the notifications of one type (and, for favourites and
    # boosts, one status) whose ids fall in [lo_id, hi_id); its key is made by the service.

    @staticmethod
    def _filters(types, exclude_types, from_account_id, prefix: str = "") -> tuple[list[str], list]:
        where, params = [], []
        if types:
            where.append(f"{prefix}type IN ({','.join('?' for _ in types)})")
            params += list(types)
        if exclude_types:
            where.append(f"{prefix}type NOT IN ({','.join('?' for _ in exclude_types)})")
            params += list(exclude_types)
        if from_account_id:
            where.append(f"{prefix}from_account_id = ?")
            params.append(from_account_id)
        return where, params

    async def in_group(self, account_id: str, type_: str, status_id: str | None, lo_id: str, hi_id: str, *,
                       max_id=None, since_id=None, min_id=None, limit=40) -> list[Notification]:
        """One group's notifications, newest first, paged like `page`."""
        post, post_params = _post_is(status_id)
        where = ["account_id = ?", "type = ?", post, "id >= ?", "id < ?"]
        rows = await keyset(self.db.fetchall, "SELECT * FROM notifications", where,
                            [account_id, type_, *post_params, lo_id, hi_id], "id",
                            max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        return [to_record(Notification, r) for r in rows]

    async def delete_group(self, account_id: str, type_: str, status_id: str | None, lo_id: str,
                           hi_id: str) -> int:
        post, post_params = _post_is(status_id)
        return await self.db.execute(
            f"DELETE FROM notifications WHERE account_id = ? AND type = ? AND {post} AND id >= ? AND id < ?",
            (account_id, type_, *post_params, lo_id, hi_id))

    async def group_summaries(self, account_id: str, groups: list[tuple[str, str | None, str, str]], *,
                              lowest: str | None = None, highest: str | None = None,
                              from_account_id: str | None = None, samples: int = 8) -> list[dict | None]:
        """For each group (type, status_id, lo_id, hi_id), in one statement: how many notifications it
        holds up to `highest` (inclusive), the newest of them (id and time), the oldest at or
        after `lowest`, and the senders of the newest `samples`. None for an empty group."""
        if not groups:
            return []
        # Per group, two index reads (notifications_group): its count and oldest id on the page,
        # and its newest `samples`; all groups in one compound statement. Its text depends only
        # on how many groups of each shape there are (those without a status first; the number
        # of the others rounded up to a multiple of SHAPE_STEP by repeating the last one), so
        # that a reader's pages share a few texts in the statement cache.
        order = sorted(range(len(groups)), key=lambda i: groups[i][1] is not None)
        with_status = sum(1 for g in groups if g[1] is not None)
        if with_status:
            order += [order[-1]] * (-with_status % SHAPE_STEP)
        extra, extra_params = "", []
        if highest:
            extra += " AND id <= ?"
            extra_params.append(highest)
        if from_account_id:
            extra += " AND from_account_id = ?"
            extra_params.append(from_account_id)
        page_min = "min(CASE WHEN id >= ? THEN id END)" if lowest else "min(id)"
        parts, params = [], []
        for i, at in enumerate(order):  # i: the group's place in the statement
            type_, status_id, lo, hi = groups[at]
            post, post_params = _post_is(status_id)
            where = f"account_id = ? AND type = ? AND {post} AND id >= ? AND id < ?{extra}"
            group = [account_id, type_, *post_params, lo, hi, *extra_params]
            # (place, 0, count, oldest id on the page) and (place, 1, -, id, sender, time) rows.
            parts.append(f"SELECT {i}, 0, count(*), {page_min}, NULL, NULL FROM notifications WHERE {where}")
            params += [*([lowest] if lowest else []), *group]
            parts.append(f"SELECT * FROM (SELECT {i}, 1, CAST(NULL AS BIGINT), id, from_account_id, created_at FROM notifications "
                         f"WHERE {where} ORDER BY id DESC LIMIT ?) AS newest{i}")
            params += [*group, samples]
        rows = await self.db.fetchkeyed(" UNION ALL ".join(parts), params)
        counts = {r[0]: (r[2], r[3]) for r in rows if r[1] == 0}
        out: list[dict | None] = [None] * len(groups)
        samples_rows = sorted((r for r in rows if r[1] == 1 and r[0] < len(groups)),  # not the repeats
                              key=lambda r: (r[0], r[3]), reverse=True)
        for i, _, _, id_, from_id, created_at in sorted(samples_rows, key=lambda r: r[0]):
            gi = order[i]
            doc = out[gi]
            if doc is None:
                doc = out[gi] = {"count": counts[i][0], "newest_id": id_, "newest_at": created_at,
                                 "page_min_id": counts[i][1], "sample_account_ids": []}
            doc["sample_account_ids"].append(from_id)
        return out

    async def count_after(self, account_id: str, after_id: str | None, *, types=None, exclude_types=None,
                          from_account_id=None, limit: int = 100) -> int:
        """How many notifications are newer than `after_id` (all, without it), counting at most `limit`."""
        where, params = self._filters(types, exclude_types, from_account_id)
        if after_id:
            where.append("id > ?")
            params.append(after_id)
        row = await self.db.aggregate(
            f"SELECT count(*) FROM (SELECT 1 FROM notifications WHERE {' AND '.join(['account_id = ?', *where])} "
            "ORDER BY id LIMIT ?) AS newer", (account_id, *params, limit))
        return row[0] if row else 0

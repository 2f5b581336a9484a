"""Where statuses are read: home feeds (written by fan-out) and the timelines computed at
read time (public, local, hashtag, an account's posts)."""

from __future__ import annotations

from fedi.storage.sqlite.paging import id_window, keyset, keyset_sql
from fedi.storage.sqlite.statuses import BOOSTED_VERSIONS_JOIN, WITH_BOOSTED_VERSIONS, boosted_versions


class SqliteFeeds:
    """Precomputed home timelines."""

    def __init__(self, db):
        self.db = db

    async def add(self, status_id: str, account_ids) -> None:
        """Put a status in these readers' feeds, but not of those who have blocked the domain
        of its author (or, for a boost, of the boosted post's author)."""
        rows = [(a, status_id) for a in dict.fromkeys(account_ids)]
        if rows:
            await self.db.executemany(
                "INSERT OR IGNORE INTO feeds (account_id, status_id, author_id) "
                "SELECT ?1, ?2, (SELECT account_id FROM statuses WHERE id = ?2) WHERE NOT EXISTS ("
                "SELECT 1 FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id "
                "JOIN accounts a ON a.id IN (s.account_id, o.account_id) "
                "JOIN account_domain_blocks d ON d.account_id = ?1 AND d.domain = a.domain "
                "WHERE s.id = ?2)", rows
            )

    async def readers(self, status_id: str) -> list[str]:
        rows = await self.db.fetchkeyed("SELECT account_id FROM feeds WHERE status_id = ?", (status_id,))
        return [r[0] for r in rows]

    async def remove_account_from(self, account_id: str, author_id: str) -> None:
        """Drop an author's statuses from one reader's feed (after an unfollow or a block)."""
        await self.db.execute(
            "DELETE FROM feeds WHERE account_id = ? AND status_id IN "
            "(SELECT id FROM statuses WHERE account_id = ?)", (account_id, author_id)
        )

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=20) -> list[str]:
        rows = await keyset(self.db.fetchkeyed, "SELECT status_id FROM feeds", ["account_id = ?"],
                            [account_id], "status_id", max_id=max_id, since_id=since_id, min_id=min_id,
                            limit=limit)
        return [r[0] for r in rows]

    async def page_versioned(self, account_id: str, *, max_id=None, since_id=None, min_id=None,
                             limit=20) -> tuple[list[str], dict[str, int]]:
        """`page`, with the current version of each of its statuses and of the posts its
        boosts boost (as Statuses.versions(..., boosted=True)), in the same statement."""
        sql, params, ascending = keyset_sql(
            f"SELECT f.status_id, {WITH_BOOSTED_VERSIONS} FROM feeds f "
            f"JOIN statuses s INDEXED BY statuses_versions ON s.id = f.status_id {BOOSTED_VERSIONS_JOIN}",
            ["f.account_id = ?"], [account_id], "f.status_id", max_id=max_id, since_id=since_id,
            min_id=min_id, limit=limit)
        rows = await self.db.fetchkeyed(sql, params)
        if ascending:
            rows = rows[::-1]
        return [r[0] for r in rows], boosted_versions(rows)

    async def page_by_list(self, account_id: str, list_id: str, *, max_id=None, since_id=None, min_id=None,
                           limit: int = 20, scan: int = 400) -> tuple[list[str], dict[str, int]]:
        """Up to `limit` entries of one of the reader's lists among the next `scan` entries of
        the reader's feed (paged as `page`), newest first, with versions as `page_versioned`
        gives them, in one statement that walks the feed only until the page is full. An
        entry is a member's post or boost; a reply only as the list's replies_policy says, as
        Mastodon has it: to the list's owner or the author always, to members with "list",
        to anyone with "followed". Nothing for a list the reader does not own."""
        where, params, order = id_window("f.status_id", max_id, since_id, min_id)
        bound_where, bound_params, _ = id_window("status_id", max_id, since_id, min_id)
        # The scan's far end: the scan-th entry in paging order (none when the feed is shorter).
        bound = ("SELECT status_id FROM feeds WHERE "
                 f"{' AND '.join(['account_id = ?1', *bound_where])} ORDER BY status_id {order} LIMIT 1 OFFSET ?")
        members = "SELECT account_id FROM list_accounts WHERE list_id = ?2"  # ?2, not l.id: read once
        rows = await self.db.fetchkeyed(
            f"SELECT f.status_id, {WITH_BOOSTED_VERSIONS} FROM lists l "
            "JOIN feeds f ON f.account_id = ?1 "
            f"JOIN statuses s INDEXED BY statuses_versions ON s.id = f.status_id {BOOSTED_VERSIONS_JOIN} "
            f"WHERE {' AND '.join(['l.id = ?2', 'l.account_id = ?1', *where])} "
            f"AND f.author_id IN ({members}) "
            f"AND f.status_id {'>=' if order == 'DESC' else '<='} coalesce(({bound}), f.status_id) "
            "AND (s.reblog_of_id IS NOT NULL OR s.in_reply_to_account_id IS NULL "
            "OR s.in_reply_to_account_id IN (s.account_id, l.account_id) OR l.replies_policy = 'followed' "
            f"OR (l.replies_policy = 'list' AND s.in_reply_to_account_id IN ({members}))) "
            f"ORDER BY f.status_id {order} LIMIT ?",
            (account_id, list_id, *params, *bound_params, max(scan, 1) - 1, limit))
        if order == "ASC":
            rows = rows[::-1]
        return [r[0] for r in rows], boosted_versions(rows)


class SqliteTimelines:
    """Timelines computed at read time: public, local, hashtag, an account's posts."""

    def __init__(self, db):
        self.db = db

    async def public(self, *, local: bool | None = None, only_media: bool = False, tag: str | None = None,
                     with_local_only: bool = False, max_id=None, since_id=None, min_id=None,
                     limit=20) -> tuple[list[str], dict[str, int]]:
        """Public posts, newest first, with the current version of each (they boost nothing);
        `with_local_only` adds the local-only ones (for a signed-in local reader). Each
        visibility is read along its own index range, in one statement, and the two pages
        are merged."""
        paging = {"max_id": max_id, "since_id": since_id, "min_id": min_id, "limit": limit}
        sql, params, ascending = self._public("public", local, only_media, tag, paging)
        if with_local_only and local is not False:
            local_sql, local_params, _ = self._public("local", local, only_media, tag, paging)
            sql = f"SELECT * FROM ({sql}) AS shared UNION ALL SELECT * FROM ({local_sql}) AS own"
            params = (*params, *local_params)
        versions = dict(await self.db.fetchall(sql, params))
        ids = sorted(versions, reverse=True)
        ids = ids[-limit:] if ascending else ids[:limit]
        return ids, {i: versions[i] for i in ids}

    def _public(self, visibility: str, local: bool | None, only_media: bool, tag: str | None,
                paging: dict) -> tuple[str, tuple, bool]:
        # The visibility is written into the statement, not bound: PostgreSQL's one plan for
        # any value would not know that local-only posts are few (a hashtag's local-only arm
        # then read every post with the tag, 9 ms at 1M posts, instead of the few local ones).
        assert visibility in ("public", "local")
        conditions = [f"s.visibility = '{visibility}'", "s.reblog_of_id IS NULL",
                      "s.account_id NOT IN (SELECT id FROM accounts WHERE silenced = 1)"]
        params: list = []
        if local is not None:
            conditions.append("s.local = ?")
            params.append(int(local))
        # Public posts are many: a hashtag's are found along the tag's index. Local-only ones
        # are few: the tag is checked on each of them instead.
        return self._query(conditions, params, only_media=only_media, tag=tag, tag_first=visibility == "public",
                           also="s.version", **paging)

    @staticmethod
    def _query(conditions: list[str], params: list, *, only_media: bool, tag: str | None,
               tag_first: bool = False, also: str = "", join: str = "", **paging) -> tuple[str, tuple, bool]:
        """With `tag_first`, a hashtag's posts are read along the tag's own index, newest
        first, each checked against its status (rather than every public status checked
        for the tag, which reads thousands of rows for a tag on one post in a thousand).
        `also`: more columns after the id, from `s` or from tables `join` joins."""
        extra = f", {also}" if also else ""
        select, column = f"SELECT s.id{extra} FROM statuses s {join}", "s.id"
        if only_media:
            conditions.append("s.attachments != '[]'")
        if tag and tag_first:
            # CROSS JOIN: SQLite reads the tag's index first (the join condition is a WHERE term).
            select, column = f"SELECT t.status_id{extra} FROM status_tags t CROSS JOIN statuses s", "t.status_id"
            conditions.append("s.id = t.status_id")
        elif tag:
            select += " JOIN status_tags t ON t.status_id = s.id"
        if tag:
            conditions.append("t.name = ?")
            params.append(tag.lower())
        return keyset_sql(select, conditions, params, column, **paging)

    async def account(self, account_id: str, visibilities, *, exclude_replies=False, exclude_reblogs=False,
                      only_media=False, tag: str | None = None, max_id=None, since_id=None, min_id=None,
                      limit=20) -> tuple[list[str], dict[str, int]]:
        """The account's statuses with these visibilities, newest first, with the current
        version of each and of the posts its boosts boost (as Statuses.versions(...,
        boosted=True))."""
        marks = ",".join("?" for _ in visibilities)
        conditions = ["s.account_id = ?", f"s.visibility IN ({marks})"]
        if exclude_replies:
            conditions.append("(s.in_reply_to_uri IS NULL OR s.in_reply_to_account_id = s.account_id)")
        if exclude_reblogs:
            conditions.append("s.reblog_of_id IS NULL")
        sql, args, ascending = self._query(conditions, [account_id, *visibilities], only_media=only_media, tag=tag,
                                           also=WITH_BOOSTED_VERSIONS, join=BOOSTED_VERSIONS_JOIN,
                                           max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        rows = await self.db.fetchall(sql, args)
        if ascending:
            rows = rows[::-1]
        return [r[0] for r in rows], boosted_versions(rows)

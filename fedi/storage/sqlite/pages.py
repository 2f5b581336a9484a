"""What a page of statuses needs besides the statuses, for all of them at once.

Each method is one statement whatever the length of the page, so that a page costs a
fixed number of round trips to the database: the counts shown on every post, and one
reader's relation to each (favourited, boosted, bookmarked, thread muted, pinned).
"""

from __future__ import annotations

import time

from fedi.storage.sqlite.reports import THREAD_MUTED
from fedi.storage.sqlite.rows import numbered, numbered_rows
from fedi.storage.sqlite.social import blocks_among

READER_FLAGS = ("favourited", "reblogged", "bookmarked", "muted", "pinned")


class SqlitePages:
    def __init__(self, db):
        self.db = db

    async def details(self, ids: list[str], reader_id: str | None = None
                      ) -> tuple[dict[str, tuple[int, int, int]], dict[str, set[str]]]:
        """For the posts with these ids: status id -> (boosts, favourites, replies), as
        status_counts keeps them, and with a reader, which of them the reader favourited,
        boosted, bookmarked, pinned (its own posts), or whose thread the reader muted
        ({"favourited": ids, "reblogged": ..., "bookmarked": ..., "muted": ..., "pinned": ...})."""
        flags: dict[str, set[str]] = {flag: set() for flag in READER_FLAGS}
        if not ids:
            return {}, flags
        n, first = len(ids), 1 if reader_id is None else 2  # ?1 is the reader, when there is one
        marks = numbered(n, first)
        sql = f"SELECT 0, status_id, reblogs, favourites, replies FROM status_counts WHERE status_id IN ({marks})"
        if reader_id is not None:
            # Joined with the page's ids as a table, each flag is one probe of (reader, post)
            # per post: a plan made once for any reader (PostgreSQL's prepared statements)
            # would otherwise read all of the reader's favourites.
            page = f"(VALUES {numbered_rows(n, 2)}) AS page"
            sql += (f" UNION ALL SELECT 3, f.status_id, 0, 0, 0 FROM {page} "
                    "JOIN favourites f ON f.account_id = ?1 AND f.status_id = page.column1 "
                    f"UNION ALL SELECT 4, b.reblog_of_id, 0, 0, 0 FROM {page} JOIN statuses b "
                    "ON b.account_id = ?1 AND b.reblog_of_id = page.column1 "
                    f"UNION ALL SELECT 5, k.status_id, 0, 0, 0 FROM {page} "
                    "JOIN bookmarks k ON k.account_id = ?1 AND k.status_id = page.column1 "
                    f"UNION ALL SELECT 6, muted.id, 0, 0, 0 FROM ({THREAD_MUTED.format(marks=marks)}) AS muted "
                    f"UNION ALL SELECT 7, p.status_id, 0, 0, 0 FROM {page} "
                    "JOIN pins p ON p.account_id = ?1 AND p.status_id = page.column1")
        rows = await self.db.fetchkeyed(sql, ids if reader_id is None else (reader_id, *ids))
        counts = dict.fromkeys(ids, (0, 0, 0))
        for kind, status_id, reblogs, favourites, replies in rows:
            if kind:
                flags[READER_FLAGS[kind - 3]].add(status_id)
            else:
                counts[status_id] = (reblogs, favourites, replies)
        return counts, flags

    async def audience(self, viewer_id: str, authors: list[str], candidates: list[str]
                       ) -> tuple[set[str], set[str]]:
        """For a page seen by `viewer_id`: those of `authors` that block the viewer or that the
        viewer blocks (by account or domain), and those of `candidates` the viewer follows
        (accepted follows), in one statement."""
        authors, candidates = list(dict.fromkeys(authors)), list(dict.fromkeys(candidates))
        if not authors and not candidates:
            return set(), set()
        parts, n = [], len(authors)
        if authors:
            parts.append(f"SELECT 0, b.* FROM ({blocks_among(numbered(n, 2))}) AS b")
        if candidates:
            parts.append(f"SELECT 1, target_id FROM follows WHERE follower_id = ?1 "
                         f"AND target_id IN ({numbered(len(candidates), n + 2)}) AND state = 'accepted'")
        blocked, following = set(), set()
        for kind, account_id in await self.db.fetchkeyed(" UNION ALL ".join(parts),
                                                         (viewer_id, *authors, *candidates)):
            (following if kind else blocked).add(account_id)
        return blocked, following

    async def relationships(self, viewer_id: str, ids: list[str]) -> dict[str, dict]:
        """The reader's relationship with each of these accounts, in one statement: {id: {
        "follow": state or None, "notify", "followed_by": state or None, "muting", "muting_notifications",
        "blocking", "blocked_by", "domain_blocking", "endorsed", "note"}}."""
        found = {i: {"follow": None, "notify": False, "followed_by": None, "muting": False,
                     "muting_notifications": False, "blocking": False, "blocked_by": False,
                     "domain_blocking": False, "endorsed": False, "note": ""} for i in ids}
        if not ids:
            return found
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchkeyed(
            f"SELECT 0, target_id, state, notify FROM follows WHERE follower_id = ? AND target_id IN ({marks}) "
            f"UNION ALL SELECT 1, follower_id, state, 0 FROM follows WHERE target_id = ? AND follower_id IN ({marks}) "
            f"UNION ALL SELECT 2, target_id, NULL, notifications FROM mutes WHERE account_id = ? "
            f"AND target_id IN ({marks}) AND (expires_at IS NULL OR expires_at > ?) "
            f"UNION ALL SELECT 3, target_id, NULL, 0 FROM blocks WHERE account_id = ? AND target_id IN ({marks}) "
            f"UNION ALL SELECT 4, account_id, NULL, 0 FROM blocks WHERE target_id = ? AND account_id IN ({marks}) "
            f"UNION ALL SELECT 5, a.id, NULL, 0 FROM accounts a JOIN account_domain_blocks d "
            f"ON d.account_id = ? AND d.domain = a.domain WHERE a.id IN ({marks}) "
            f"UNION ALL SELECT 6, target_id, NULL, 0 FROM endorsements WHERE account_id = ? AND target_id IN ({marks}) "
            f"UNION ALL SELECT 7, target_id, comment, 0 FROM account_notes WHERE account_id = ? "
            f"AND target_id IN ({marks})",
            (viewer_id, *ids, viewer_id, *ids, viewer_id, *ids, time.time(), viewer_id, *ids, viewer_id, *ids,
             viewer_id, *ids, viewer_id, *ids, viewer_id, *ids))
        for kind, target, text, flag in rows:
            facts = found.get(target)
            if facts is None:
                continue
            if kind == 0:
                facts["follow"], facts["notify"] = text, bool(flag)
            elif kind == 1:
                facts["followed_by"] = text
            elif kind == 2:
                facts["muting"], facts["muting_notifications"] = True, bool(flag)
            elif kind == 7:
                facts["note"] = text or ""
            else:
                facts[("blocking", "blocked_by", "domain_blocking", "endorsed")[kind - 3]] = True
        return found

"""What a page of statuses needs besides the statuses, for all of them at once.

Each method is one statement whatever the length of the page, so that a page costs a
fixed number of round trips to the database: the counts shown on every post, and one
reader's relation to each (favourited, boosted, bookmarked, thread muted, pinned).
"""

from __future__ import annotations

import time

from fedi.models import PageFacts
from fedi.storage.sqlite.reports import THREAD_MUTED
from fedi.storage.sqlite.rows import numbered, numbered_rows
from fedi.storage.sqlite.social import blocks_among

READER_FLAGS = ("favourited", "reblogged", "bookmarked", "muted", "pinned")
NO_TIME = "CAST(NULL AS DOUBLE PRECISION)"


class SqlitePages:
    def __init__(self, db):
        self.db = db

    async def details(self, ids: list[str], reader_id: str | None = None, accounts: list[str] = (),
                      audience: tuple[list[str], list[str]] = ((), ())) -> PageFacts:
        """For the posts with these ids: status id -> (boosts, favourites, replies), as
        status_counts keeps them; which of them carry a poll; with a reader, which of them the
        reader favourited, boosted, bookmarked, pinned (its own posts), voted in (its choices),
        or whose thread the reader muted; for `accounts`, the version and counters of those
        that exist; and with a reader, the page's audience as `audience` gives it (authors,
        candidates) answers it: `blocked` and `following`. One statement, whatever the length
        of the page."""
        facts = PageFacts(flags={flag: set() for flag in READER_FLAGS})
        accounts = list(dict.fromkeys(a for a in accounts if a))
        authors, candidates = (list(dict.fromkeys(x)) for x in audience) if reader_id else ([], [])
        if not ids and not accounts and not authors and not candidates:
            return facts
        if not ids and not authors and not candidates:
            reader_id = None  # nothing to relate the reader to; no parameter left unnamed
        n, first = len(ids), 1 if reader_id is None else 2  # ?1 is the reader, when there is one
        parts = []
        if ids:
            marks = numbered(n, first)
            # Seven columns in every arm; the first fixes the last one's type for PostgreSQL.
            parts += [f"SELECT 0, status_id, reblogs, favourites, replies, 0, {NO_TIME} FROM status_counts "
                      f"WHERE status_id IN ({marks})",
                      f"SELECT 8, status_id, 0, 0, 0, 0, NULL FROM polls WHERE status_id IN ({marks})"]
        if ids and reader_id is not None:
            # Joined with the page's ids as a table, each flag is one probe of (reader, post)
            # per post: a plan made once for any reader (PostgreSQL's prepared statements)
            # would otherwise read all of the reader's favourites.
            page = f"(VALUES {numbered_rows(n, 2)}) AS page"
            parts += [f"SELECT 3, f.status_id, 0, 0, 0, 0, NULL FROM {page} "
                      "JOIN favourites f ON f.account_id = ?1 AND f.status_id = page.column1",
                      f"SELECT 4, b.reblog_of_id, 0, 0, 0, 0, NULL FROM {page} JOIN statuses b "
                      "ON b.account_id = ?1 AND b.reblog_of_id = page.column1",
                      f"SELECT 5, k.status_id, 0, 0, 0, 0, NULL FROM {page} "
                      "JOIN bookmarks k ON k.account_id = ?1 AND k.status_id = page.column1",
                      f"SELECT 6, muted.id, 0, 0, 0, 0, NULL FROM ({THREAD_MUTED.format(marks=marks)}) AS muted",
                      f"SELECT 7, p.status_id, 0, 0, 0, 0, NULL FROM {page} "
                      "JOIN pins p ON p.account_id = ?1 AND p.status_id = page.column1",
                      f"SELECT 9, v.status_id, v.choice, 0, 0, 0, NULL FROM {page} "
                      "JOIN poll_votes v ON v.account_id = ?1 AND v.status_id = page.column1"]
        if accounts:
            parts.append("SELECT 10, a.id, a.version, s.statuses_count, s.followers_count, s.following_count, "
                         "s.last_status_at "
                         "FROM accounts a INDEXED BY accounts_versions "
                         "LEFT JOIN account_stats s ON s.account_id = a.id "
                         f"WHERE a.id IN ({numbered(len(accounts), first + n)})")
        at = first + n + len(accounts)  # the audience's parameters, as `audience` has them
        if authors:
            parts.append(f"SELECT 11, b.*, 0, 0, 0, 0, NULL FROM ({blocks_among(numbered(len(authors), at))}) AS b")
        if candidates:
            parts.append(f"SELECT 12, target_id, 0, 0, 0, 0, NULL FROM follows WHERE follower_id = ?1 "
                         f"AND target_id IN ({numbered(len(candidates), at + len(authors))}) AND state = 'accepted'")
        params = [*([] if reader_id is None else [reader_id]), *ids, *accounts, *authors, *candidates]
        facts.counts = dict.fromkeys(ids, (0, 0, 0))
        flags, votes = facts.flags, facts.votes
        for kind, key, a, b, c, d, e in await self.db.fetchkeyed(" UNION ALL ".join(parts), params):
            if kind == 0:
                facts.counts[key] = (a, b, c)
            elif kind == 10:
                facts.versions[key] = a
                if b is not None:  # never NULL in a row of account_stats
                    facts.stats[key] = (b, c, d, e)
            elif kind == 8:
                facts.with_poll.add(key)
            elif kind == 11:
                facts.blocked.add(key)
            elif kind == 12:
                facts.following.add(key)
            elif kind == 9:
                votes.setdefault(key, []).append(a)
            else:
                flags[READER_FLAGS[kind - 3]].add(key)
        for choices in votes.values():
            choices.sort()
        return facts

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

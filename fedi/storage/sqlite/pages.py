"""What a page of statuses needs besides the statuses, for all of them at once.

Each method is one statement whatever the length of the page, so that a page costs a
fixed number of round trips to the database: the counts shown on every post, and one
reader's relation to each (favourited, boosted, bookmarked, thread muted, pinned).
"""

from __future__ import annotations

import time

from fedi.models import PageFacts
from fedi.storage.sqlite.reports import THREAD_MUTED
from fedi.storage.sqlite.social import blocks_among
from fedi.storage.sqlite.values import listed, probed, probed_rows, values

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
        # ?1 is the reader, when there is one; then one parameter for each list that is not empty.
        params: list = [] if reader_id is None else [reader_id]
        at = {}
        for name, items in (("ids", ids), ("accounts", accounts), ("authors", authors),
                            ("candidates", candidates)):
            if items:
                params.append(values(items))
                at[name] = len(params)
        parts = []
        if ids:
            marks = listed(at["ids"])
            # Seven columns in every arm; the first fixes the last one's type for PostgreSQL.
            parts += [f"SELECT 0, status_id, reblogs, favourites, replies, 0, {NO_TIME} FROM status_counts "
                      f"WHERE status_id IN ({marks})",
                      f"SELECT 8, status_id, 0, 0, 0, 0, NULL FROM polls WHERE status_id IN ({marks})"]
        if ids and reader_id is not None:
            # Each flag is one probe of (reader, post) per post, never a read of all of the
            # reader's favourites (or bookmarks...), whatever plan is made for any reader.
            at_ids = at["ids"]
            parts += [f"SELECT {kind}, j.value, 0, 0, 0, 0, NULL "
                      f"{probed(at_ids, table, f'account_id = ?1 AND {column} = j.value')}"
                      for kind, table, column in ((3, "favourites", "status_id"), (4, "statuses", "reblog_of_id"),
                                                  (5, "bookmarks", "status_id"), (7, "pins", "status_id"))]
            parts += [f"SELECT 6, muted.id, 0, 0, 0, 0, NULL FROM ({THREAD_MUTED.format(marks=marks)}) AS muted",
                      f"SELECT 9, status_id, choice, 0, 0, 0, NULL FROM poll_votes "
                      f"WHERE account_id = ?1 AND status_id IN ({marks})"]
        if accounts:
            parts.append("SELECT 10, a.id, a.version, s.statuses_count, s.followers_count, s.following_count, "
                         "s.last_status_at "
                         "FROM accounts a INDEXED BY accounts_versions "
                         "LEFT JOIN account_stats s ON s.account_id = a.id "
                         f"WHERE a.id IN ({listed(at['accounts'])})")
        if authors:
            parts.append(f"SELECT 11, b.*, 0, 0, 0, 0, NULL FROM ({blocks_among(listed(at['authors']))}) AS b")
        if candidates:
            parts.append("SELECT 12, j.value, 0, 0, 0, 0, NULL " + probed(
                at["candidates"], "follows", "follower_id = ?1 AND target_id = j.value AND state = 'accepted'"))
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
        parts, params = [], [viewer_id]
        if authors:
            params.append(values(authors))
            parts.append(f"SELECT 0, b.* FROM ({blocks_among(listed(len(params)))}) AS b")
        if candidates:
            params.append(values(candidates))
            parts.append("SELECT 1, j.value " + probed(
                len(params), "follows", "follower_id = ?1 AND target_id = j.value AND state = 'accepted'"))
        blocked, following = set(), set()
        for kind, account_id in await self.db.fetchkeyed(" UNION ALL ".join(parts), params):
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
        # ?1 the viewer, ?2 the accounts, ?3 the time. The viewer's follows, followers, mutes,
        # blocks and endorsements are probed once per account (values.probed): a popular
        # viewer's followers are never all read.
        marks = listed(2)
        rows = await self.db.fetchkeyed(
            "SELECT 0, j.value, r.state, r.notify "
            f"{probed_rows(2, 'follows', 'follower_id = ?1 AND target_id = j.value')} "
            "UNION ALL SELECT 1, j.value, r.state, 0 "
            f"{probed_rows(2, 'follows', 'target_id = ?1 AND follower_id = j.value')} "
            "UNION ALL SELECT 2, j.value, NULL, r.notifications "
            f"{probed_rows(2, 'mutes', 'account_id = ?1 AND target_id = j.value AND (expires_at IS NULL OR expires_at > ?3)')} "
            f"UNION ALL SELECT 3, j.value, NULL, 0 {probed(2, 'blocks', 'account_id = ?1 AND target_id = j.value')} "
            f"UNION ALL SELECT 4, j.value, NULL, 0 {probed(2, 'blocks', 'target_id = ?1 AND account_id = j.value')} "
            f"UNION ALL SELECT 5, a.id, NULL, 0 FROM accounts a JOIN account_domain_blocks d "
            f"ON d.account_id = ?1 AND d.domain = a.domain WHERE a.id IN ({marks}) "
            "UNION ALL SELECT 6, j.value, NULL, 0 "
            f"{probed(2, 'endorsements', 'account_id = ?1 AND target_id = j.value')} "
            f"UNION ALL SELECT 7, target_id, comment, 0 FROM account_notes WHERE account_id = ?1 "
            f"AND target_id IN ({marks})",
            (viewer_id, values(ids), time.time()))
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

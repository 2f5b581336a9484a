"""What a reader may see of statuses: one by its id, or a page of them, for every face.

A boost stands for the post it boosts: it is shown only when the reader may see both, and
acting on it (favouriting, replying, opening it) acts on that post. A page is loaded in a
fixed number of queries whatever its length: the statuses, the posts they boost, and the
visibility lookups for all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fedi.models import Account, PageFacts, Status
from fedi.services import filters
from fedi.services.errors import NotFound
from fedi.services.state import State
from fedi.services.visibility import audience, can_view, can_view_many

NOT_FOUND = "Record not found"


async def visible_status(state: State, status_id: str, viewer: Account | None, *, unwrap: bool = True) -> Status:
    """The status with this id if the reader may see it (NotFound otherwise); with `unwrap`,
    for a boost, the boosted post, which the reader must be able to see too."""
    store = state.store
    status = await store.statuses.get(str(status_id))
    if status is None or not await can_view(store, status, viewer):
        raise NotFound(NOT_FOUND)
    if unwrap and status.reblog_of_id:
        original = await store.statuses.get(status.reblog_of_id)
        if original is None or not await can_view(store, original, viewer):
            raise NotFound(NOT_FOUND)
        return original
    return status


async def statuses_by_id(state: State, ids: list[str]) -> dict[str, Status | None]:
    """The statuses with these ids, None for those that do not exist (no visibility check:
    for rendering what was already checked, such as the post a shown boost boosts)."""
    found = await state.store.statuses.get_many(ids)
    return {i: found.get(i) for i in ids}


async def viewable(state: State, ids: list[str], viewer: Account | None, *,
                   versions: dict[str, int] | None = None, details: PageDetails | None = None) -> list[Status]:
    """The statuses with these ids, in order, that the reader may see (boosts as they are,
    no filters); kept records are used while their versions hold (`page_statuses`, which
    takes `versions`). `details`: as `visible_statuses` takes them."""
    found = await page_statuses(state, ids, versions)
    statuses = [found[i] for i in ids if i in found]
    # The details of the posts boosts boost too: the page shows them.
    known = await details.prefetch(state, list(found.values()), viewer) if details is not None and viewer else None
    return [s for s, ok in zip(statuses, await can_view_many(state.store, statuses, viewer, known=known)) if ok]


async def page_statuses(state: State, ids: list[str], versions: dict[str, int] | None = None
                        ) -> dict[str, Status]:
    """The statuses with these ids that exist, and the posts the boosts among them boost
    (linked as `boosted`), by id. Records this process keeps are used while the database
    confirms their version; only the others are read whole. Kept records are shared by the
    requests that use them: callers only read them (the `boosted` link is set on every use).
    `versions`: those of the statuses and of the posts they boost, when the caller read them
    with the ids."""
    kept = state.status_records
    if versions is None:
        versions = await state.store.statuses.versions(ids, boosted=True)
    found: dict[str, Status] = {}
    stale = []
    for status_id, version in versions.items():
        hit = kept.get(status_id)
        if hit is not None and hit[0] == version:
            found[status_id] = hit[1]
        else:
            stale.append(status_id)
    for status_id, (version, status) in (await state.store.statuses.get_many_versioned(stale)).items():
        kept.put(status_id, version, status)
        found[status_id] = status
    for status in found.values():
        if status.reblog_of_id:
            status.boosted = found.get(status.reblog_of_id)
    return found


async def visible_statuses(state: State, ids: list[str], viewer: Account | None,
                           context: str = "home", *, cache: dict | None = None,
                           versions: dict[str, int] | None = None,
                           details: PageDetails | None = None) -> list[Status]:
    """The statuses with these ids, in order, that the reader may see (for a boost, the post
    too), minus those the reader's filters hide in this context. The reader's filters are
    read once into `cache`, when given, so that rendering the page reads them from there.
    `versions`: as `page_statuses` takes them. `details`: the page's details, read with
    what deciding visibility needs in one statement, for rendering the page."""
    store = state.store
    found = await page_statuses(state, ids, versions)  # boosts come with their posts
    everything = list(found.values())
    known = await details.prefetch(state, everything, viewer) if details is not None and viewer else None
    seen = {s.id: ok for s, ok in zip(everything, await can_view_many(store, everything, viewer, known=known))}
    out = []
    cache = {} if cache is None else cache
    filtering = viewer is not None and await filters.any_apply(state, viewer.id, context, cache)
    for status_id in ids:
        status = found.get(status_id)
        if status is None or not seen[status.id]:
            continue
        if status.reblog_of_id and not seen.get(status.reblog_of_id, False):
            continue
        if filtering and await filters.hidden(state, viewer.id, status, context, cache):
            continue
        out.append(status)
    return out


async def earlier_versions(state: State, status: Status) -> list:
    """The earlier versions of an edited status, oldest first: content, summary, sensitive and
    created_at (when that version was replaced)."""
    return await state.store.statuses.edits(status.id)


async def favourited_by(state: State, status: Status, limit: int) -> list[str]:
    """The ids of the accounts that favourited the status, most recent first."""
    return (await state.store.favourites.accounts_for(status.id, limit))[::-1]


async def reblogged_by(state: State, status: Status, limit: int) -> list[str]:
    """The ids of the accounts that boosted the status, most recent first."""
    return await state.store.statuses.rebloggers(status.id, limit)


@dataclass
class PageDetails:
    """What a page of posts shows besides the posts: counts, polls, and one reader's relation
    to each post. Filled for more posts as a page needs them (`add`)."""

    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # boosts, favourites, replies
    flags: dict[str, tuple[bool, bool, bool]] = field(default_factory=dict)  # favourited, boosted, bookmarked
    muted: set[str] = field(default_factory=set)  # posts whose thread the reader muted
    pinned: set[str] = field(default_factory=set)  # the reader's own posts it pinned
    polls: dict[str, dict] = field(default_factory=dict)
    own_votes: dict[str, list[int]] = field(default_factory=dict)

    # The versions and counters of the accounts asked for with the details (those missing
    # are gone), for the page's renderer to take without asking again.
    people: dict[str, int] = field(default_factory=dict)
    people_stats: dict[str, tuple] = field(default_factory=dict)
    people_asked: set[str] = field(default_factory=set)

    async def add(self, state: State, posts: list[Status], viewer: Account | None,
                  accounts: list[str] = ()) -> tuple[dict[str, int], dict[str, tuple]]:
        """Load the details of these posts (boosts are not posts), in a fixed number of queries:
        one, and one more for the polls when some of them carry one. Returns the versions and
        counters of `accounts` (those that exist), read in the same statement."""
        facts = await self._read(state, posts, viewer, accounts)
        return facts.versions, facts.stats

    async def prefetch(self, state: State, statuses: list[Status], viewer: Account
                       ) -> tuple[set[str], set[str]]:
        """Before a page is known: the details of these statuses' posts and of their authors
        and mentioned accounts (some of them may turn out hidden), read with what deciding
        their visibility for the reader needs (visibility.audience), in one statement.
        Returns (blocked, following) for visibility.can_view_many."""
        people = [*(st.account_id for st in statuses), *(m for st in statuses for m in (st.mention_ids or []))]
        facts = await self._read(state, [st for st in statuses if not st.reblog_of_id], viewer, people,
                                 audience(statuses, viewer))
        return facts.blocked, facts.following

    async def _read(self, state: State, posts: list[Status], viewer: Account | None, accounts: list[str],
                    wanted: tuple[list[str], list[str]] = ((), ())) -> PageFacts:
        posts = list({st.id: st for st in posts if st.id not in self.counts}.values())
        if not posts and not accounts and not any(wanted):
            return PageFacts()
        store, ids = state.store, [st.id for st in posts]
        facts = await store.pages.details(ids, viewer.id if viewer is not None else None, list(accounts),
                                          audience=wanted)
        self.counts.update(facts.counts)
        self.people.update(facts.versions)
        self.people_stats.update(facts.stats)
        self.people_asked.update(a for a in accounts if a)
        if facts.with_poll:
            self.polls.update(await store.polls.get_many(list(facts.with_poll)))
        if viewer is not None:
            self.own_votes.update(facts.votes)
            flags = facts.flags
            faved, boosted, marked = flags["favourited"], flags["reblogged"], flags["bookmarked"]
            self.muted |= flags["muted"]
            self.pinned |= flags["pinned"]
            for i in ids:
                self.flags[i] = (i in faved, i in boosted, i in marked)
        return facts

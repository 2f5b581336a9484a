"""Who may see a status. One rule set for every face.

A local-only status (visibility "local") is seen by its author and by the signed-in
local accounts of this instance, never by visitors, remote accounts or other servers.
"""

from __future__ import annotations

from fedi.activitypub.audience import LOCAL
from fedi.models import Account, Status

PUBLIC = ("public", "unlisted")


def local_only(status: Status) -> bool:
    """Whether the status never leaves this instance."""
    return status.visibility == LOCAL


def sees_local_only(viewer: Account | None) -> bool:
    """Whether local-only posts belong on the public and hashtag timelines this viewer reads."""
    return viewer is not None and viewer.local and not viewer.suspended


async def can_view(store, status: Status, viewer: Account | None) -> bool:
    return (await can_view_many(store, [status], viewer))[0]


async def can_view_many(store, statuses: list[Status], viewer: Account | None, *,
                        known: tuple[set[str], set[str]] | None = None) -> list[bool]:
    """Whether `viewer` may see each status, with one query for them all (blocks either way
    with the authors, and the viewer's follows of the authors of followers-only posts), and
    none for what needs no lookup. `known`: (blocked, following) as a page's details read
    them for `audience(statuses, viewer)`, so that no query is needed."""
    authors, candidates = audience(statuses, viewer)
    if not authors:
        blocked = following = set()
    elif known is not None:
        blocked, following = known
    else:
        blocked, following = await store.pages.audience(viewer.id, authors, candidates)
    return [_allowed(s, viewer, s.account_id in blocked, s.account_id in following) for s in statuses]


def audience(statuses: list[Status], viewer: Account | None) -> tuple[list[str], list[str]]:
    """What deciding the statuses' visibility for `viewer` needs to know: (the authors other
    than the viewer, whose blocks either way count; the authors whose followers-only posts
    need the viewer to follow them)."""
    if viewer is None:
        return [], []
    authors = [s.account_id for s in statuses if s.account_id != viewer.id]
    if not authors:
        return [], []
    return authors, [s.account_id for s in statuses if _needs_follow(s, viewer, set())]


def _needs_follow(status: Status, viewer: Account | None, blocked: set[str]) -> bool:
    return (viewer is not None and status.account_id != viewer.id and status.account_id not in blocked
            and not local_only(status) and status.visibility == "private"
            and not (status.id and viewer.id in (status.mention_ids or [])))


def _allowed(status: Status, viewer: Account | None, blocked: bool, following: bool) -> bool:
    """The rule itself: the author sees everything; blocks (either way, also of domains) hide
    everything; local-only posts need a signed-in local reader; public and unlisted are for
    all; others need the reader mentioned, or (followers-only) following the author."""
    if viewer is not None and viewer.id == status.account_id:
        return True
    if blocked:
        return False
    if local_only(status):
        return sees_local_only(viewer)
    if status.visibility in PUBLIC:
        return True
    if viewer is None:
        return False
    if status.id and viewer.id in (status.mention_ids or []):
        return True
    return status.visibility == "private" and following


async def visible_to(store, author: Account, viewer: Account | None) -> tuple[str, ...]:
    """Which visibilities of the author's statuses a viewer may list."""
    if viewer is not None and viewer.id == author.id:
        return ("public", "unlisted", "private", "direct", LOCAL)
    if viewer is None:
        return PUBLIC
    blocked, following = await store.blocks.standing(viewer.id, author.id)  # one statement
    if blocked:
        return ()
    local = (LOCAL,) if sees_local_only(viewer) else ()
    if following:
        return ("public", "unlisted", "private", "direct", *local)  # can_view filters direct ones
    return ("public", "unlisted", "direct", *local)


async def can_view_as_server(store, status: Status, domain: str) -> bool:
    """For signed fetches by an instance actor: any accepted follower or mention on that domain.
    No other server may see a local-only status."""
    if local_only(status):
        return False
    if status.visibility in PUBLIC:
        return True
    accounts = await store.accounts.get_many(status.mention_ids or [])
    if any(a.domain == domain for a in accounts.values()):
        return True
    if status.visibility == "private":
        page = await store.follows.followers_page(status.account_id, limit=10_000)
        return any(uri.split("/")[2].lower() == domain for uri in page.items)
    return False

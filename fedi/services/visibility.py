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
    if viewer is not None and viewer.id == status.account_id:
        return True
    if viewer is not None and await store.blocks.either_way(viewer.id, status.account_id):
        return False
    if local_only(status):
        return sees_local_only(viewer)
    if status.visibility in PUBLIC:
        return True
    if viewer is None:
        return False
    if status.id and viewer.id in (status.mention_ids or []):
        return True
    if status.visibility == "private":
        follow = await store.follows.get(viewer.id, status.account_id)
        return follow is not None and follow.accepted
    return False


async def visible_to(store, author: Account, viewer: Account | None) -> tuple[str, ...]:
    """Which visibilities of the author's statuses a viewer may list."""
    if viewer is not None and viewer.id == author.id:
        return ("public", "unlisted", "private", "direct", LOCAL)
    if viewer is None:
        return PUBLIC
    if await store.blocks.either_way(viewer.id, author.id):
        return ()
    local = (LOCAL,) if sees_local_only(viewer) else ()
    follow = await store.follows.get(viewer.id, author.id)
    if follow is not None and follow.accepted:
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

"""What this server serves over ActivityPub: its local actors' collections page by page
(followers, following, outbox, and the owner's own inbox), and a post, its activity and its
replies, or any activity it published, as the fetching actor (or server) may see them.

A local-only post, and an activity about one, is never served, whoever signs the request.
"""

from __future__ import annotations

from fedi.activitypub.audience import LOCAL, recipients
from fedi.models import Account, Activity, Page, Status
from fedi.services.state import State
from fedi.services.visibility import PUBLIC, can_view, can_view_as_server, local_only


# --------------------------------------------------------------------------- collections

async def followers_page(state: State, account: Account, max_id: str | None, limit: int) -> Page:
    """Actor URIs of the account's followers, newest first."""
    return await state.store.follows.followers_page(account.id, max_id, limit)


async def following_page(state: State, account: Account, max_id: str | None, limit: int) -> Page:
    """Actor URIs of the accounts the account follows, newest first."""
    return await state.store.follows.following_page(account.id, max_id, limit)


async def outbox_page(state: State, account: Account, max_id: str | None, limit: int) -> Page:
    """The account's public activities (Activity records), newest first."""
    return await state.store.activities.public_page(account.id, max_id, limit)


async def inbox_page(state: State, owner: Account, max_id: str | None, limit: int) -> Page:
    """The activities delivered to the owner (as received), newest first: only for the owner."""
    return await state.store.inbox.page(owner.id, max_id, limit)


# --------------------------------------------------------------------------- posts

async def status_of(state: State, account: Account, status_id: str) -> Status | None:
    """The account's own post with this id as ActivityPub knows it: not a boost, and never a
    local-only post; None otherwise."""
    status = await state.store.statuses.get(status_id)
    if status is None or status.account_id != account.id or status.reblog_of_id or local_only(status):
        return None
    return status


async def may_fetch(state: State, status: Status, author: Account, fetcher: Account | None) -> bool:
    """Whether the fetching actor (None: an unsigned request) may have the post: a public one
    unless author and fetcher block each other; any other one when the fetcher may see it, or
    when the fetcher is a server's instance actor and someone on that server may."""
    if status.visibility in PUBLIC:
        return fetcher is None or not await state.store.blocks.either_way(fetcher.id, author.id)
    if fetcher is None:
        return False
    return await can_view(state.store, status, fetcher) or (
        fetcher.actor_type == "Application"
        and await can_view_as_server(state.store, status, fetcher.domain or ""))


async def status_activity(state: State, status: Status) -> Activity | None:
    """The activity that published the post (its Create)."""
    return await state.store.activities.by_uri(f"{status.uri}/activity")


async def public_replies(state: State, status: Status) -> list[Status]:
    """The public and unlisted replies to the post, oldest first."""
    return await state.store.statuses.replies(status.uri)


# --------------------------------------------------------------------------- activities

async def activity(state: State, activity_id: str) -> Activity | None:
    """A published activity by its id; None for one that must stay on this server."""
    found = await state.store.activities.by_id(activity_id)
    return None if found is None or found.visibility == LOCAL else found


def may_fetch_activity(found: Activity, fetcher: Account | None) -> bool:
    """Whether the fetching actor may have the activity: a public one, or one addressed to
    the fetcher or to anyone on the fetcher's server."""
    if found.visibility in PUBLIC:
        return True
    audience = recipients(found.body)
    return fetcher is not None and (fetcher.uri in audience or any(
        a.split("/")[2:3] == [fetcher.domain] for a in audience))

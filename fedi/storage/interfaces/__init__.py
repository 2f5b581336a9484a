"""Repository interfaces. Services and protocol code depend on these, never on SQL.

The protocols live by area in this package's modules (accounts, content, social, personal,
operations); `Store` gathers them. The SQLite implementation lives in `fedi.storage.sqlite`.
Another backend (PostgreSQL for deployments past one machine) implements the same protocols
and is chosen in `open_store`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Protocol

from fedi.storage.interfaces.accounts import (  # noqa: F401 - re-exported
    Accounts, ProfessionalProfiles, Users, Tokens, Apps, AuthCodes, Sessions, Invites,
)
from fedi.storage.interfaces.content import (  # noqa: F401 - re-exported
    Statuses, Activities, Inbox, Feeds, Timelines, Media, Pages, Polls,
)
from fedi.storage.interfaces.social import (  # noqa: F401 - re-exported
    AccountNotes, Blocks, DomainBlocks, Endorsements, Favourites, FeaturedTags, FollowedTags, Follows,
    Notifications, Pins, Suggestions,
)
from fedi.storage.interfaces.personal import (  # noqa: F401 - re-exported
    Markers, Bookmarks, Mutes, Lists, Filters, Conversations, PushSubscriptions,
)
from fedi.storage.interfaces.operations import (  # noqa: F401 - re-exported
    Jobs, OutboundActivities, Hosts, SeenSignatures, Settings, IdempotencyKeys, RateCounts, Reports, ConversationMutes, Moderation,
)


class Store(Protocol):
    accounts: Accounts
    professional_profiles: ProfessionalProfiles
    users: Users
    tokens: Tokens
    follows: Follows
    blocks: Blocks
    domain_blocks: DomainBlocks
    account_notes: AccountNotes
    favourites: Favourites
    pins: Pins
    notifications: Notifications
    statuses: Statuses
    activities: Activities
    inbox: Inbox
    jobs: Jobs
    outbound: OutboundActivities
    seen_signatures: SeenSignatures
    hosts: Hosts
    settings: Settings
    idempotency_keys: IdempotencyKeys
    rate_counts: RateCounts
    apps: Apps
    auth_codes: AuthCodes
    feeds: Feeds
    timelines: Timelines
    markers: Markers
    bookmarks: Bookmarks
    mutes: Mutes
    lists: Lists
    filters: Filters
    conversations: Conversations
    media: Media
    polls: Polls
    pages: Pages
    push: PushSubscriptions
    sessions: Sessions
    invites: Invites
    followed_tags: FollowedTags
    featured_tags: FeaturedTags
    endorsements: Endorsements
    suggestions: Suggestions
    reports: Reports
    conversation_mutes: ConversationMutes
    moderation: Moderation

    async def atomic(self, fn: Callable[["Store"], Awaitable[Any]]) -> Any: ...
    def on_commit(self, fn: Callable[[], None]) -> None: ...
    @property
    def signals(self) -> Any: ...  # messages between processes (PostgreSQL), or None
    async def migrate(self) -> list[str]: ...
    async def close(self) -> None: ...


def is_postgresql(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


async def open_store(target: str, migrate: bool = True, *, pool_size: int = 10) -> Store:
    """Open the configured backend: a postgresql:// URL, or the path of a SQLite file (the
    embedded default)."""
    from fedi.storage.sqlite.store import SqliteStore

    if is_postgresql(target):
        return await SqliteStore.open_postgresql(target, migrate=migrate, pool_size=pool_size)
    return await SqliteStore.open(target, migrate=migrate)


"""The SQLite implementation of the Store interface."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from fedi.storage.sqlite.account_notes import SqliteAccountNotes
from fedi.storage.sqlite.accounts import (
    SqliteAccounts, SqliteApps, SqliteAuthCodes, SqliteTokens, SqliteUsers,
)
from fedi.storage.sqlite.conversations import SqliteConversations
from fedi.storage.sqlite.db import Database
from fedi.storage.sqlite.domain_blocks import SqliteDomainBlocks
from fedi.storage.sqlite.discovery import SqliteEndorsements, SqliteSuggestions
from fedi.storage.sqlite.counters import SqliteIdempotencyKeys, SqliteRateCounts
from fedi.storage.sqlite.jobs import (
    SqliteHosts, SqliteJobs, SqliteOutboundActivities, SqliteSeenSignatures, SqliteSettings,
)
from fedi.storage.sqlite.filters import SqliteFilters
from fedi.storage.sqlite.media import SqliteMedia
from fedi.storage.sqlite.moderation import SqliteModeration
from fedi.storage.sqlite.personal import SqliteBookmarks, SqliteLists, SqliteMarkers, SqliteMutes
from fedi.storage.sqlite.pages import SqlitePages
from fedi.storage.sqlite.polls import SqlitePolls
from fedi.storage.sqlite.profiles import SqliteProfessionalProfiles
from fedi.storage.sqlite.push import SqlitePushSubscriptions
from fedi.storage.sqlite.reports import SqliteConversationMutes, SqliteReports
from fedi.storage.sqlite.sessions import SqliteInvites, SqliteSessions
from fedi.storage.sqlite.notifications import SqliteNotifications
from fedi.storage.sqlite.social import SqliteBlocks, SqliteFavourites, SqliteFollows, SqlitePins
from fedi.storage.sqlite.statuses import SqliteActivities, SqliteInbox, SqliteStatuses
from fedi.storage.sqlite.timelines import SqliteFeeds, SqliteTimelines
from fedi.storage.sqlite.tags import SqliteFeaturedTags, SqliteFollowedTags


REPOSITORIES: dict[str, type] = {
    "accounts": SqliteAccounts,
    "professional_profiles": SqliteProfessionalProfiles,
    "users": SqliteUsers,
    "tokens": SqliteTokens,
    "follows": SqliteFollows,
    "blocks": SqliteBlocks,
    "domain_blocks": SqliteDomainBlocks,
    "account_notes": SqliteAccountNotes,
    "favourites": SqliteFavourites,
    "pins": SqlitePins,
    "notifications": SqliteNotifications,
    "statuses": SqliteStatuses,
    "activities": SqliteActivities,
    "inbox": SqliteInbox,
    "jobs": SqliteJobs,
    "outbound": SqliteOutboundActivities,
    "seen_signatures": SqliteSeenSignatures,
    "hosts": SqliteHosts,
    "settings": SqliteSettings,
    "idempotency_keys": SqliteIdempotencyKeys,
    "rate_counts": SqliteRateCounts,
    "apps": SqliteApps,
    "auth_codes": SqliteAuthCodes,
    "feeds": SqliteFeeds,
    "timelines": SqliteTimelines,
    "media": SqliteMedia,
    "markers": SqliteMarkers,
    "bookmarks": SqliteBookmarks,
    "mutes": SqliteMutes,
    "lists": SqliteLists,
    "filters": SqliteFilters,
    "conversations": SqliteConversations,
    "polls": SqlitePolls,
    "pages": SqlitePages,
    "push": SqlitePushSubscriptions,
    "sessions": SqliteSessions,
    "invites": SqliteInvites,
    "followed_tags": SqliteFollowedTags,
    "featured_tags": SqliteFeaturedTags,
    "endorsements": SqliteEndorsements,
    "suggestions": SqliteSuggestions,
    "reports": SqliteReports,
    "conversation_mutes": SqliteConversationMutes,
    "moderation": SqliteModeration,
}


class SqliteStore:
    """Repositories over one executor: the Database, or a Tx inside `atomic`.

    A repository is made the first time it is used, so that a transaction touching two
    of them does not pay for building all forty."""

    def __init__(self, executor, database: Database | None = None):
        self._db = database
        self._executor = executor

    def __getattr__(self, name: str):
        cls = REPOSITORIES.get(name)
        if cls is None:
            raise AttributeError(name)
        repository = cls(self._executor)
        setattr(self, name, repository)
        return repository

    @classmethod
    async def open(cls, path: str, migrate: bool = True) -> "SqliteStore":
        db = Database(path)
        await db.open()
        return cls(*await _migrated(db, migrate))

    @classmethod
    async def open_postgresql(cls, url: str, migrate: bool = True, pool_size: int = 10) -> "SqliteStore":
        """The same repositories over PostgreSQL (fedi.storage.postgres)."""
        from fedi.storage.postgres.db import PgDatabase

        db = PgDatabase(url, max_size=pool_size)
        await db.open()
        return cls(*await _migrated(db, migrate))

    @property
    def signals(self):
        """Messages between the processes sharing the database (PostgreSQL's LISTEN/NOTIFY:
        listen(channel, handler), notify(channel, text)); None on SQLite."""
        return getattr(self._db, "signals", None)

    @property
    def database(self) -> Database:
        return self._db

    async def migrate(self) -> list[str]:
        return await self._db.migrate()

    async def atomic(self, fn: Callable[["SqliteStore"], Awaitable[Any]]) -> Any:
        """Run fn with repositories bound to one transaction (group-committed)."""
        if self._db is None:  # already inside a transaction
            return await fn(self)
        return await self._db.write(lambda tx: fn(SqliteStore(tx)))  # tx: a Tx or a PgTx

    def on_commit(self, fn) -> None:
        """Run fn after the current transaction commits (at once outside a transaction)."""
        executor = self._executor
        if hasattr(executor, "after_commit"):  # a transaction of either backend
            executor.after_commit(fn)
        else:
            fn()

    async def close(self) -> None:
        await self._db.close()


async def _migrated(db, migrate: bool):
    """(db, db) for the store, once migrated when asked; the database is closed if that fails
    (a schema newer than this fedi's, a broken migration)."""
    try:
        if migrate:
            await db.migrate()
    except BaseException:
        await db.close()
        raise
    return db, db


def in_transaction(store: SqliteStore) -> bool:
    return hasattr(store._executor, "after_commit")

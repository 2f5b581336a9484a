"""The SQLite implementation of the Store interface."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from fedi.storage.sqlite.account_notes import SqliteAccountNotes
from fedi.storage.sqlite.accounts import (
    SqliteAccounts, SqliteApps, SqliteAuthCodes, SqliteTokens, SqliteUsers,
)
from fedi.storage.sqlite.conversations import SqliteConversations
from fedi.storage.sqlite.db import Database, Tx
from fedi.storage.sqlite.domain_blocks import SqliteDomainBlocks
from fedi.storage.sqlite.discovery import SqliteEndorsements, SqliteSuggestions
from fedi.storage.sqlite.jobs import SqliteHosts, SqliteJobs, SqliteSeenSignatures, SqliteSettings
from fedi.storage.sqlite.filters import SqliteFilters
from fedi.storage.sqlite.media import SqliteMedia
from fedi.storage.sqlite.moderation import SqliteModeration
from fedi.storage.sqlite.personal import SqliteBookmarks, SqliteLists, SqliteMarkers, SqliteMutes
from fedi.storage.sqlite.polls import SqlitePolls
from fedi.storage.sqlite.profiles import SqliteProfessionalProfiles
from fedi.storage.sqlite.push import SqlitePushSubscriptions
from fedi.storage.sqlite.reports import SqliteConversationMutes, SqliteReports
from fedi.storage.sqlite.sessions import SqliteInvites, SqliteSessions
from fedi.storage.sqlite.social import (
    SqliteBlocks, SqliteFavourites, SqliteFollows, SqliteNotifications, SqlitePins,
)
from fedi.storage.sqlite.statuses import (
    SqliteActivities, SqliteFeeds, SqliteInbox, SqliteStatuses, SqliteTimelines,
)
from fedi.storage.sqlite.tags import SqliteFeaturedTags, SqliteFollowedTags


class SqliteStore:
    """Repositories over one executor: the Database, or a Tx inside `atomic`."""

    def __init__(self, executor, database: Database | None = None):
        self._db = database
        self.accounts = SqliteAccounts(executor)
        self.professional_profiles = SqliteProfessionalProfiles(executor)
        self.users = SqliteUsers(executor)
        self.tokens = SqliteTokens(executor)
        self.follows = SqliteFollows(executor)
        self.blocks = SqliteBlocks(executor)
        self.domain_blocks = SqliteDomainBlocks(executor)
        self.account_notes = SqliteAccountNotes(executor)
        self.favourites = SqliteFavourites(executor)
        self.pins = SqlitePins(executor)
        self.notifications = SqliteNotifications(executor)
        self.statuses = SqliteStatuses(executor)
        self.activities = SqliteActivities(executor)
        self.inbox = SqliteInbox(executor)
        self.jobs = SqliteJobs(executor)
        self.seen_signatures = SqliteSeenSignatures(executor)
        self.hosts = SqliteHosts(executor)
        self.settings = SqliteSettings(executor)
        self.apps = SqliteApps(executor)
        self.auth_codes = SqliteAuthCodes(executor)
        self.feeds = SqliteFeeds(executor)
        self.timelines = SqliteTimelines(executor)
        self.media = SqliteMedia(executor)
        self.markers = SqliteMarkers(executor)
        self.bookmarks = SqliteBookmarks(executor)
        self.mutes = SqliteMutes(executor)
        self.lists = SqliteLists(executor)
        self.filters = SqliteFilters(executor)
        self.conversations = SqliteConversations(executor)
        self.polls = SqlitePolls(executor)
        self.push = SqlitePushSubscriptions(executor)
        self.sessions = SqliteSessions(executor)
        self.invites = SqliteInvites(executor)
        self.followed_tags = SqliteFollowedTags(executor)
        self.featured_tags = SqliteFeaturedTags(executor)
        self.endorsements = SqliteEndorsements(executor)
        self.suggestions = SqliteSuggestions(executor)
        self.reports = SqliteReports(executor)
        self.conversation_mutes = SqliteConversationMutes(executor)
        self.moderation = SqliteModeration(executor)

    @classmethod
    async def open(cls, path: str, migrate: bool = True) -> "SqliteStore":
        db = Database(path)
        await db.open()
        if migrate:
            await db.migrate()
        return cls(db, db)

    @property
    def database(self) -> Database:
        return self._db

    async def migrate(self) -> list[str]:
        return await self._db.migrate()

    async def atomic(self, fn: Callable[["SqliteStore"], Awaitable[Any]]) -> Any:
        """Run fn with repositories bound to one transaction (group-committed)."""
        if self._db is None:  # already inside a transaction
            return await fn(self)
        return await self._db.write(lambda tx: fn(SqliteStore(tx)))

    def on_commit(self, fn) -> None:
        """Run fn after the current transaction commits (at once outside a transaction)."""
        executor = self.accounts.db
        if isinstance(executor, Tx):
            executor.after_commit(fn)
        else:
            fn()

    async def close(self) -> None:
        await self._db.close()


def in_transaction(store: SqliteStore) -> bool:
    return isinstance(store.accounts.db, Tx)

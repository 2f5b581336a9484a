"""The bag of dependencies every service function receives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from fedi.config import Config
from fedi.models import Account, InstanceSettings
from fedi.services.events import EventBus, Events
from fedi.services.memory import (
    CountingWindows, FixedWindows, IdempotencyKeys, KeptRecords, RateWindow, SlidingWindow, StoredIdempotency,
    VersionedRecords,
)
from fedi.storage.interfaces import Store
from fedi.urls import Urls


class Resolver(Protocol):
    """Fetches remote documents (implemented at the network edge)."""

    async def actor(self, uri: str, *, refresh: bool = False) -> Account: ...
    async def object(self, uri: str) -> dict: ...
    async def webfinger(self, username: str, host: str) -> str: ...
    async def subscribe_template(self, username: str, host: str) -> str: ...
    def forget_key(self, key_id: str | None) -> None: ...
    async def fetch_html(self, url: str) -> str | None:
        """An HTML page (unsigned GET, size- and time-capped, redirects followed), or None."""
        ...


MAX_REMEMBERED_DOMAINS = 10_000


@dataclass(frozen=True)
class DomainPolicy:
    """Which peers federate: never the blocked domains (and their subdomains); in allowlist
    mode only the allowed ones (and their subdomains). Entries are lowercase hosts, or
    host:port for one port only."""

    blocked: frozenset[str] = frozenset()
    allowlist_mode: bool = False
    allowed: frozenset[str] = frozenset()
    # Answers already worked out, by domain (a policy never changes; a new one starts empty).
    _answers: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @staticmethod
    def _names(domain: str) -> list[str]:
        """The domain itself, its host without the port, and every parent of that host."""
        bare = domain.split(":")[0].rstrip(".")
        labels = bare.split(".")
        return [domain, *(".".join(labels[i:]) for i in range(len(labels)))]

    def blocks(self, domain: str) -> bool:
        answer = self._answers.get(domain)
        if answer is None:
            if len(self._answers) >= MAX_REMEMBERED_DOMAINS:
                self._answers.clear()
            answer = self._answers[domain] = self._blocks(domain)
        return answer

    def _blocks(self, domain: str) -> bool:
        domain = (domain or "").lower()
        if not domain:
            return True
        names = self._names(domain)
        if any(name in self.blocked for name in names):
            return True
        return self.allowlist_mode and not any(name in self.allowed for name in names)


@dataclass
class State:
    config: Config
    store: Store
    urls: Urls
    resolver: Resolver | None = None
    # Called after jobs are queued so runners wake up at once.
    wake: object = None
    instance_private_key: str = ""
    instance_public_key: str = ""
    vapid_private_key: str = ""  # Web Push (set by fedi.services.push.ensure_vapid_key)
    vapid_public_key: str = ""
    secret_key: bytes | None = None  # for CSRF and consent-form tokens (fedi.services.oauth.secret_key)
    # The instance settings in force (fedi.services.instance_settings.load; until then the config's).
    instance_settings: InstanceSettings | None = None
    events: Events = field(default_factory=EventBus)
    # Per-process memory, behind the interfaces of fedi.services.memory where it decides
    # anything: rate windows, idempotency keys. The rest are caches.
    failed_logins: RateWindow = field(default_factory=SlidingWindow)
    sign_up_attempts: RateWindow | None = None  # made by fedi.services.registration on first use
    # Idempotency keys in the database (shared by every process) unless given.
    idempotency: IdempotencyKeys | None = None
    api_requests: FixedWindows = field(default_factory=CountingWindows)  # client API rate limits
    # Account records shown on pages, checked against the database's version on every use.
    account_records: VersionedRecords = field(default_factory=KeptRecords)
    status_records: VersionedRecords = field(default_factory=KeptRecords)  # posts shown on pages
    # Rendered entities of those accounts, kept while the record and its counters are the same.
    account_entities: VersionedRecords = field(default_factory=KeptRecords)
    # What of those posts' entities their records alone decide, kept with the record.
    status_entities: VersionedRecords = field(default_factory=KeptRecords)
    # Readers' keyword filters, compiled, kept by their account's version (fedi.services.filters).
    reader_filters: VersionedRecords = field(default_factory=KeptRecords)
    # Readers' pages of grouped notifications, kept by their notifications' version
    # (fedi.services.notification_groups).
    notification_pages: VersionedRecords = field(default_factory=lambda: KeptRecords(2_000))
    # Rendered groups of those pages, kept while their page is.
    group_entities: VersionedRecords = field(default_factory=KeptRecords)
    signing_keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # account id -> (key id, PEM)
    refresh_failures: dict[str, float] = field(default_factory=dict)  # actor URI -> when a refresh failed
    figures: dict[str, tuple[float, object]] = field(default_factory=dict)  # slow figures: name -> (when, value)
    background: set[asyncio.Future] = field(default_factory=set)  # work that outlives its request
    media_slots: asyncio.Semaphore | None = None  # made by fedi.services.media on first use
    # The federation policy in force: the configuration's lists merged with the admins' (set by
    # fedi.services.instance_settings.load; until then, the configuration's alone).
    domain_policy: DomainPolicy | None = None

    def __post_init__(self):
        if self.idempotency is None:
            self.idempotency = StoredIdempotency(self.store)

    def notify_queue(self, queue: str) -> None:
        if callable(self.wake):
            self.wake(queue)

    def domain_blocked(self, domain: str) -> bool:
        """Whether a peer domain may not federate here (a fast in-memory check of the live policy)."""
        if self.domain_policy is None:
            fed = self.config.federation
            self.domain_policy = DomainPolicy(frozenset(fed.blocked_domains), fed.allowlist_mode,
                                              frozenset(fed.allowed_domains))
        return self.domain_policy.blocks(domain)

"""The bag of dependencies every service function receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fedi.config import Config
from fedi.models import Account
from fedi.services.events import EventBus
from fedi.storage.interfaces import Store
from fedi.urls import Urls


class Resolver(Protocol):
    """Fetches remote documents (implemented at the network edge)."""

    async def actor(self, uri: str, *, refresh: bool = False) -> Account: ...
    async def object(self, uri: str) -> dict: ...
    async def webfinger(self, username: str, host: str) -> str: ...
    def forget_key(self, key_id: str | None) -> None: ...


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
    extras: dict = field(default_factory=dict)
    events: EventBus = field(default_factory=EventBus)

    def notify_queue(self, queue: str) -> None:
        if callable(self.wake):
            self.wake(queue)

    def domain_blocked(self, domain: str) -> bool:
        fed = self.config.federation
        domain = (domain or "").lower()
        if not domain:
            return True
        bare = domain.split(":")[0]
        for blocked in fed.blocked_domains:
            if domain == blocked or bare == blocked or bare.endswith("." + blocked):
                return True
        if fed.allowlist_mode:
            return not any(
                domain == a or bare == a or bare.endswith("." + a) for a in fed.allowed_domains
            )
        return False

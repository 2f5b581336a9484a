"""In-process events for live streams: who should hear that something happened.

Services publish after their transaction commits (`store.on_commit`), so a
rolled-back write is never announced. Events carry ids only; each listening
face renders them for its own viewer.

Streams: "user:<account id>", "user:notification:<account id>", "direct:<account id>",
"list:<list id>", "public", "public:local", "public:remote", "hashtag:<tag>",
"hashtag:local:<tag>".
Events: "update", "status.update", "delete" (payload {"status_id"}), "notification"
(payload {"notification_id"}), and on "direct:<account id>" only, "conversation"
(payload {"status_id"}: a direct status arrived in one of the account's conversations).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscription:
    streams: set[str]
    account_id: str | None = None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    closed: bool = False
    reason: str = ""
    internal: bool = False  # the server's own (not a client's live stream)

    def close(self, reason: str = "") -> None:
        self.closed = True
        self.reason = reason
        try:
            self.queue.put_nowait(None)  # wakes the reader
        except asyncio.QueueFull:
            pass


class Events(Protocol):
    """Who hears what happened. `EventBus` serves the listeners of one process; an
    implementation shared by several processes relays each event to all of them."""

    def subscribe(self, streams, account_id: str | None = None, *, internal: bool = False) -> Subscription: ...
    def unsubscribe(self, sub: Subscription) -> None: ...
    def publish(self, stream: str, event: str, payload: dict) -> None: ...
    def close_account(self, account_id: str, reason: str) -> None: ...
    @property
    def listeners(self) -> int: ...


class EventBus:
    """Events for the listeners of this process."""

    def __init__(self):
        self._subs: set[Subscription] = set()

    def subscribe(self, streams, account_id: str | None = None, *, internal: bool = False) -> Subscription:
        sub = Subscription(set(streams), account_id, internal=internal)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, stream: str, event: str, payload: dict) -> None:
        for sub in list(self._subs):
            if sub.closed:
                continue
            if stream == "*" or stream in sub.streams:
                try:
                    sub.queue.put_nowait((stream, event, payload))
                except asyncio.QueueFull:
                    sub.close("too slow")

    def close_account(self, account_id: str, reason: str) -> None:
        """End every stream of an account (token revoked, account suspended)."""
        for sub in list(self._subs):
            if sub.account_id == account_id:
                sub.close(reason)

    @property
    def listeners(self) -> int:
        """Clients' live streams open here (the server's own subscriptions aside)."""
        return sum(1 for sub in self._subs if not sub.internal)

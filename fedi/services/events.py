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
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
MESSAGE_BYTES = 7000  # relayed events per message, under PostgreSQL's 8000-byte NOTIFY limit


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


JOBS_STREAM = "jobs"  # "due" {"queue"}: jobs were queued (a worker of any process may run them)


async def wake_runner_on_jobs(events: Events, wake) -> None:
    """Call wake(queue) whenever any process says jobs are due on a queue (run as a task)."""
    sub = events.subscribe([JOBS_STREAM], internal=True)
    try:
        while True:
            item = await sub.queue.get()
            if item is None:
                return
            queue = item[2].get("queue")
            if isinstance(queue, str):
                wake(queue)
    finally:
        events.unsubscribe(sub)


class RelayedEvents(EventBus):
    """Events for the listeners of every process sharing the database: each event is heard
    here at once and relayed to the others through the store's signals (PostgreSQL's
    LISTEN/NOTIFY). The events of one turn of the event loop travel together, a few
    hundred per message."""

    CHANNEL = "fedi_events"

    def __init__(self, signals):
        super().__init__()
        self.signals = signals
        self.origin = uuid.uuid4().hex[:12]  # this process, to skip its own messages
        self._outbox: list[str] = []  # events waiting to be relayed, as JSON, in order
        self._sender: asyncio.Task | None = None

    async def start(self) -> None:
        await self.signals.listen(self.CHANNEL, self._received)

    def publish(self, stream: str, event: str, payload: dict) -> None:
        super().publish(stream, event, payload)
        self._relay(["p", stream, event, payload])

    def close_account(self, account_id: str, reason: str) -> None:
        super().close_account(account_id, reason)
        self._relay(["c", account_id, reason])

    def _relay(self, item: list) -> None:
        self._outbox.append(json.dumps(item, separators=(",", ":")))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send_all())

    def _next_message(self) -> str:
        """As many waiting events as one message holds (at least one), oldest first."""
        batch, size = [], 0
        for text in self._outbox:
            length = len(text.encode()) + 1
            if batch and size + length > MESSAGE_BYTES:
                break
            batch.append(text)
            size += length
        del self._outbox[:len(batch)]
        return '{"o":"%s","e":[%s]}' % (self.origin, ",".join(batch))

    async def _send_all(self) -> None:
        """Send what waits, one message at a time: events published while a message is on
        its way gather into the next, so a busy process sends fewer, fuller messages."""
        await asyncio.sleep(0)  # the events of this turn of the loop travel together
        failed = 0
        while self._outbox:
            message = self._next_message()
            try:
                await self.signals.notify(self.CHANNEL, message)
            except Exception:  # noqa: BLE001 - live streams of other processes miss these events
                failed += 1
                if failed == 1:
                    log.warning("events not relayed to the other processes", exc_info=True)
        if failed > 1:
            log.warning("%d messages of events were not relayed to the other processes", failed)

    async def drain(self, timeout: float = 2.0) -> None:
        """Relay what is still waiting (before the database connection closes)."""
        if self._sender is not None and not self._sender.done():
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(self._sender), timeout)

    def _received(self, message: str) -> None:
        try:
            doc = json.loads(message)
            if doc.get("o") == self.origin:
                return
            for item in doc.get("e", []):
                if item[0] == "p":
                    EventBus.publish(self, item[1], item[2], item[3])
                elif item[0] == "c":
                    EventBus.close_account(self, item[1], item[2])
        except (ValueError, TypeError, IndexError, AttributeError):
            log.warning("an unreadable event message was ignored")

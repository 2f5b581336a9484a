"""What a live stream is: stream names, who may watch which, and each event rendered for
one viewer. The transports (server-sent events, WebSocket) are in `fedi.api.streaming`.

A connection subscribes to the event bus (`fedi.services.events`) and renders the ids
it hears for its own viewer: a status the viewer may not see, or whose author the
viewer blocks or mutes, is left out.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from aiohttp import WSCloseCode

from fedi.api import entities_notification, entities_status
from fedi.api.conversations import conversation
from fedi.api.http import Auth, error, scope_allows
from fedi.services import live_events, tokens
from fedi.services.accounts import hash_token
from fedi.services.events import Subscription

log = logging.getLogger(__name__)

DEDUPE_WINDOW = 2.0          # the same event for the same stream within this window is sent once

PUBLIC = ("public", "public:local", "public:remote")
MEDIA = tuple(f"{name}:media" for name in PUBLIC)
HASHTAG = ("hashtag", "hashtag:local")
# Streams of the viewer's own (bus stream "<name>:<account id>") and the scope each needs.
USER_SCOPES = {"user": "read:statuses", "user:notification": "read:notifications",
               "direct": "read:statuses"}
STATUS_EVENTS = ("update", "status.update")
SSE_STREAMS = ("user", "user:notification", "direct", *PUBLIC, *HASHTAG, "list")


class StreamError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Channel:
    """One Mastodon stream a connection watches: a name, and for hashtags a tag."""

    name: str
    tag: str | None = None                                 # normalised (lower case)
    shown: str | None = field(default=None, compare=False)  # as the client spelled it

    @property
    def label(self) -> list[str]:
        return [self.name] if self.tag is None else [self.name, self.shown or self.tag]

    def bus_stream(self, account_id: str | None) -> str:
        base = self.name.removesuffix(":media")
        if base in USER_SCOPES:
            return f"{base}:{account_id}"
        return base if self.tag is None else f"{base}:{self.tag}"


@dataclass(eq=False)
class Connection:
    state: object
    auth: Auth | None
    token_hash: str | None
    sub: Subscription
    routes: dict[str, list[Channel]] = field(default_factory=dict)  # bus stream -> channels
    recent: dict[tuple, float] = field(default_factory=dict)
    close_code: int = WSCloseCode.OK
    lists: set[str] = field(default_factory=set)  # the viewer's own list ids

    @property
    def viewer(self):
        return self.auth.account if self.auth else None

    def channel(self, name: str, tag: str | None = None) -> Channel:
        """Check that this connection may watch a stream (StreamError if not)."""
        if name in USER_SCOPES:
            if self.viewer is None:
                raise StreamError(401, "This stream requires an authenticated user")
            if not scope_allows(self.auth.token.scope_set, USER_SCOPES[name]):
                raise StreamError(403, "This action is outside the authorized scopes")
            return Channel(name)
        if name in PUBLIC or name in MEDIA:
            return Channel(name)
        if name in HASHTAG:
            shown = (tag or "").strip().lstrip("#")
            if not shown:
                raise StreamError(400, "Missing tag name parameter")
            return Channel(name, shown.lower(), shown)
        if name == "list":
            if self.viewer is None:
                raise StreamError(401, "This stream requires an authenticated user")
            if not tag or str(tag) not in self.lists:
                raise StreamError(404, "Record not found")
            return Channel(name, str(tag), str(tag))
        raise StreamError(400, "Unknown stream type")

    def add(self, channel: Channel) -> None:
        stream = channel.bus_stream(self.viewer and self.viewer.id)
        channels = self.routes.setdefault(stream, [])
        if channel not in channels:
            channels.append(channel)
        self.sub.streams.add(stream)

    def remove(self, channel: Channel) -> None:
        stream = channel.bus_stream(self.viewer and self.viewer.id)
        channels = self.routes.get(stream, [])
        if channel in channels:
            channels.remove(channel)
        if not channels:
            self.routes.pop(stream, None)
            self.sub.streams.discard(stream)

    def targets(self, stream: str) -> list[Channel]:
        if stream == "*":
            return [ch for channels in self.routes.values() for ch in channels]
        return list(self.routes.get(stream, ()))

    def fresh(self, key: tuple) -> bool:
        """False if this (channel, event, id) went out within DEDUPE_WINDOW."""
        now = time.monotonic()
        if len(self.recent) > 256:
            self.recent = {k: t for k, t in self.recent.items() if now - t < DEDUPE_WINDOW}
        seen = self.recent.get(key)
        if seen is not None and now - seen < DEDUPE_WINDOW:
            return False
        self.recent[key] = now
        return True


# --------------------------------------------------------------------------- tokens

async def lookup(state, token_hash: str) -> Auth | None:
    """What a token stands for; None once it is revoked or its account suspended."""
    found = await tokens.usable(state, token_hash)
    return Auth(token=found.token, account=found.account) if found is not None else None


async def identify(state, raw: str | None) -> Auth | None:
    """The caller's Auth (None without a token); 401 for a token that is not (or no longer) good."""
    if raw is None:
        return None
    auth = await lookup(state, hash_token(raw))
    if auth is None:
        raise error(401, "The access token is invalid")
    return auth


async def still_valid(conn: Connection) -> bool:
    if conn.token_hash is None:
        return True
    auth = await lookup(conn.state, conn.token_hash)
    if auth is not None:
        conn.auth = auth
    return auth is not None


# --------------------------------------------------------------------------- rendering

async def render(conn: Connection, event: str, payload: dict):
    """(payload text, status or None) for this viewer; text None when it must not be sent."""
    state, viewer = conn.state, conn.viewer
    if event == "delete":
        return str(payload["status_id"]), None
    if event in STATUS_EVENTS:
        st = await live_events.status(state, viewer, payload["status_id"])
        if st is None:
            return None, None
        doc = await entities_status.status(state, st, viewer)
    elif event == "notification" and viewer is not None:
        note = await live_events.notification(state, viewer, payload["notification_id"])
        if note is None:
            return None, None
        doc, st = await entities_notification.notification(state, note, viewer), None
    elif event == "conversation" and viewer is not None:
        doc, st = await conversation_doc(conn, payload["status_id"]), None
    else:
        return None, None
    return (None if doc is None else json.dumps(doc, ensure_ascii=False)), st


async def conversation_doc(conn: Connection, status_id: str) -> dict | None:
    """The viewer's Conversation that a direct status arrived in, as /api/v1/conversations shows it."""
    found = await live_events.conversation(conn.state, conn.viewer, status_id)
    return await conversation(conn.state, found, conn.viewer) if found is not None else None


def admits(conn: Connection, channel: Channel, event: str, st) -> bool:
    if event == "conversation":
        return channel.name == "direct"
    if event == "delete":
        return channel.name != "user:notification"
    if event == "notification":
        return channel.name == "user:notification" or scope_allows(
            conn.auth.token.scope_set, "read:notifications")
    if channel.name in MEDIA:
        return st is not None and bool(st.attachments)
    return True


async def deliver(conn: Connection, item: tuple, send) -> None:
    stream, event, payload = item
    if stream is None:  # a message of the server's own (WebSocket errors)
        await send(None, event, payload)
        return
    ref = payload.get("status_id") or payload.get("notification_id")
    channels = [ch for ch in conn.targets(stream) if conn.fresh((ch, event, ref))]
    if not channels:
        return
    try:
        data, st = await render(conn, event, payload)
    except Exception:  # one bad event must not end the stream
        log.exception("cannot render %s %s for a stream", event, ref)
        return
    if data is None:
        return
    for channel in channels:
        if admits(conn, channel, event, st):
            await send(channel, event, data)

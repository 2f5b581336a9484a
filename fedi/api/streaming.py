"""Live streams of the Mastodon client API: server-sent events and a multiplexed WebSocket.

Every connection subscribes to the event bus (`fedi.services.events`) and renders
the ids it hears for its own viewer: a status the viewer may not see, or whose
author the viewer blocks or mutes, is left out. The token is checked again every
REVALIDATE_INTERVAL seconds; a revoked token or a suspended account ends the stream.
Open streams are closed on application shutdown so the server never waits on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, WSMsgType, web

from fedi.api import entities
from fedi.api.http import CORS_HEADERS, Auth, bearer, error, flag, route, scope_allows
from fedi.appkeys import STATE
from fedi.services.accounts import hash_token
from fedi.services.events import Subscription
from fedi.services.visibility import can_view

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 15.0    # seconds between SSE ":thump" comments / WebSocket pings
REVALIDATE_INTERVAL = 30.0   # seconds between token checks
DEDUPE_WINDOW = 2.0          # the same event for the same stream within this window is sent once
WS_CLOSE_TIMEOUT = 2.0       # how long a closing WebSocket waits for the client's close frame

OPEN: web.AppKey[set] = web.AppKey("streaming_connections", set)

PUBLIC = ("public", "public:local", "public:remote")
MEDIA = tuple(f"{name}:media" for name in PUBLIC)
HASHTAG = ("hashtag", "hashtag:local")
USER_SCOPES = {"user": "read:statuses", "user:notification": "read:notifications"}
STATUS_EVENTS = ("update", "status.update")
SSE_STREAMS = ("user", "user:notification", *PUBLIC, *HASHTAG, "list")
SSE_PATHS = {"/api/v1/streaming/" + name.replace(":", "/"): name for name in SSE_STREAMS}


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


# --------------------------------------------------------------------------- auth and lifecycle

async def lookup(state, token_hash: str) -> Auth | None:
    """What a token stands for; None once it is revoked or its account suspended."""
    token = await state.store.tokens.lookup(token_hash)
    if token is None:
        return None
    account = None
    if token.account_id is not None:
        account = await state.store.accounts.get(token.account_id)
        if account is None or account.suspended:
            return None
    return Auth(token=token, account=account)


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


async def open_connection(request: web.Request, auth: Auth | None, raw: str | None) -> Connection:
    state = request.app[STATE]
    account_id = auth.account.id if auth and auth.account else None
    sub = state.events.subscribe((), account_id)
    conn = Connection(state, auth, hash_token(raw) if raw else None, sub)
    if account_id:
        conn.lists = {row["id"] for row in await state.store.lists.of(account_id)}
    request.app[OPEN].add(conn)
    return conn


def close_connection(request: web.Request, conn: Connection) -> None:
    conn.sub.close(conn.sub.reason or "closed")
    request.app[STATE].events.unsubscribe(conn.sub)
    request.app[OPEN].discard(conn)


async def close_all(app: web.Application) -> None:
    for conn in list(app[OPEN]):
        conn.close_code = WSCloseCode.GOING_AWAY
        conn.sub.close("server shutting down")


# --------------------------------------------------------------------------- rendering

async def visible(conn: Connection, st) -> bool:
    store, viewer = conn.state.store, conn.viewer
    if not await can_view(store, st, viewer):
        return False
    if viewer is None or st.account_id == viewer.id:
        return True
    if await store.blocks.either_way(viewer.id, st.account_id):
        return False
    return await store.mutes.get(viewer.id, st.account_id) is None


async def render(conn: Connection, event: str, payload: dict):
    """(payload text, status or None) for this viewer; text None when it must not be sent."""
    state, viewer = conn.state, conn.viewer
    if event == "delete":
        return str(payload["status_id"]), None
    if event in STATUS_EVENTS:
        st = await state.store.statuses.get(payload["status_id"])
        if st is None or not await visible(conn, st):
            return None, None
        if st.reblog_of_id:
            original = await state.store.statuses.get(st.reblog_of_id)
            if original is None or not await visible(conn, original):
                return None, None
        doc = await entities.status(state, st, viewer)
    elif event == "notification" and viewer is not None:
        note = await state.store.notifications.get(payload["notification_id"])
        if note is None or note.account_id != viewer.id:
            return None, None
        mute = await state.store.mutes.get(viewer.id, note.from_account_id)
        if mute is not None and mute["notifications"]:
            return None, None
        doc, st = await entities.notification(state, note, viewer), None
    else:
        return None, None
    return (None if doc is None else json.dumps(doc, ensure_ascii=False)), st


def admits(conn: Connection, channel: Channel, event: str, st) -> bool:
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


async def pump(conn: Connection, send, beat) -> None:
    """Send events until the subscription closes or the token stops being valid."""
    loop = asyncio.get_running_loop()
    next_beat = loop.time() + HEARTBEAT_INTERVAL
    next_check = loop.time() + REVALIDATE_INTERVAL
    while not conn.sub.closed:
        wait = max(0.0, min(next_beat, next_check) - loop.time())
        try:
            item = await asyncio.wait_for(conn.sub.queue.get(), wait)
        except TimeoutError:
            item = ()
        if item is None or conn.sub.closed:
            return
        if item:
            await deliver(conn, item, send)
        now = loop.time()
        if now >= next_check:
            if not await still_valid(conn):
                conn.close_code = 4001
                conn.sub.close("access token revoked")
                return
            next_check = now + REVALIDATE_INTERVAL
        if now >= next_beat:
            await beat()
            next_beat = now + HEARTBEAT_INTERVAL


# --------------------------------------------------------------------------- server-sent events

async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK")


async def sse(request: web.Request) -> web.StreamResponse:
    name = SSE_PATHS[request.path.rstrip("/")]
    if name in PUBLIC and flag(request.query, "only_media"):
        name += ":media"
    raw = bearer(request)
    auth = await identify(request.app[STATE], raw)
    conn = await open_connection(request, auth, raw)
    resp = web.StreamResponse(headers={**CORS_HEADERS, "Content-Type": "text/event-stream",
                                       "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    try:
        try:
            conn.add(conn.channel(name, request.query.get("tag") or request.query.get("list")))
        except StreamError as exc:
            raise error(exc.status, exc.message) from None
        await resp.prepare(request)
        await resp.write(b":)\n\n")

        async def send(channel, event, data):
            await resp.write(f"event: {event}\ndata: {data}\n\n".encode())

        await pump(conn, send, lambda: resp.write(b":thump\n\n"))
        await resp.write_eof()
    except ConnectionResetError:
        pass  # the client went away
    finally:
        close_connection(request, conn)
    return resp


# --------------------------------------------------------------------------- WebSocket

def ws_token(request: web.Request) -> tuple[str | None, str | None]:
    """(token, subprotocol to echo): Authorization, access_token, or Sec-WebSocket-Protocol."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "").split(",")[0].strip() or None
    return bearer(request) or offered, offered


def client_message(conn: Connection, text: str) -> None:
    """Apply a subscribe/unsubscribe message; errors are queued for the client."""
    try:
        msg = json.loads(text)
        if not isinstance(msg, dict) or msg.get("type") not in ("subscribe", "unsubscribe"):
            raise StreamError(400, "Unknown message type")
        channel = conn.channel(str(msg.get("stream") or ""), msg.get("tag") or msg.get("list"))
    except (ValueError, StreamError) as exc:
        problem = exc if isinstance(exc, StreamError) else StreamError(400, "Invalid JSON")
        body = {"error": problem.message, "status": problem.status}
        with contextlib.suppress(asyncio.QueueFull):
            conn.sub.queue.put_nowait((None, "error", body))
        return
    (conn.add if msg["type"] == "subscribe" else conn.remove)(channel)


async def read_client(ws: web.WebSocketResponse, conn: Connection) -> None:
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                client_message(conn, msg.data)
    finally:
        conn.sub.close(conn.sub.reason or "client closed")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    raw, offered = ws_token(request)
    ws = web.WebSocketResponse(protocols=[offered] if offered else (), timeout=WS_CLOSE_TIMEOUT)
    if not ws.can_prepare(request):
        raise error(404, "Streaming is served over WebSocket on this host")
    auth = await identify(request.app[STATE], raw)
    conn = await open_connection(request, auth, raw)
    reader = None
    try:
        if request.query.get("stream"):
            try:
                conn.add(conn.channel(request.query["stream"],
                                      request.query.get("tag") or request.query.get("list")))
            except StreamError as exc:
                raise error(exc.status, exc.message) from None
        await ws.prepare(request)
        reader = asyncio.create_task(read_client(ws, conn))

        async def send(channel, event, data):
            if channel is not None:
                data = {"stream": channel.label, "event": event, "payload": data}
            await ws.send_str(json.dumps(data, ensure_ascii=False))

        await pump(conn, send, ws.ping)
    except ConnectionResetError:
        pass
    finally:
        close_connection(request, conn)
        if reader is not None:
            await ws.close(code=conn.close_code, message=conn.sub.reason.encode()[:120])
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    return ws


def setup(app: web.Application) -> None:
    app[OPEN] = set()
    app.on_shutdown.append(close_all)
    route(app, "GET", "/api/v1/streaming/health", health)
    for path in SSE_PATHS:
        route(app, "GET", path, sse)
    app.router.add_route("GET", "/api/v1/streaming", websocket)
    app.router.add_route("GET", "/api/v1/streaming/", websocket)

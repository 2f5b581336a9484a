"""Live streams of the Mastodon client API: server-sent events and a multiplexed WebSocket.

Stream names, authorisation and rendering are in `fedi.api.streaming_channels`; this
module carries the events. The token is checked again every REVALIDATE_INTERVAL
seconds; a revoked token or a suspended account ends the stream. Open streams are
closed on application shutdown so the server never waits on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import WSCloseCode, WSMsgType, web

from fedi.api.http import CORS_HEADERS, Auth, bearer, error, flag, route
from fedi.api.streaming_channels import (
    PUBLIC, SSE_STREAMS, Connection, StreamError, deliver, identify, still_valid,
)
from fedi import safejson
from fedi.appkeys import STATE
from fedi.services import lists
from fedi.services.accounts import hash_token

HEARTBEAT_INTERVAL = 15.0    # seconds between SSE ":thump" comments / WebSocket pings
REVALIDATE_INTERVAL = 30.0   # seconds between token checks
WS_CLOSE_TIMEOUT = 2.0       # how long a closing WebSocket waits for the client's close frame

OPEN: web.AppKey[set] = web.AppKey("streaming_connections", set)
SSE_PATHS = {"/api/v1/streaming/" + name.replace(":", "/"): name for name in SSE_STREAMS}


# --------------------------------------------------------------------------- lifecycle

async def open_connection(request: web.Request, auth: Auth | None, raw: str | None) -> Connection:
    state = request.app[STATE]
    account_id = auth.account.id if auth and auth.account else None
    sub = state.events.subscribe((), account_id)
    conn = Connection(state, auth, hash_token(raw) if raw else None, sub)
    if account_id:
        conn.lists = {row["id"] for row in await lists.of(state, auth.account)}
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
        msg = safejson.loads(text)
        if not isinstance(msg, dict) or msg.get("type") not in ("subscribe", "unsubscribe"):
            raise StreamError(400, "Unknown message type")
        tag = msg.get("tag") or msg.get("list")
        channel = conn.channel(str(msg.get("stream") or ""), tag if isinstance(tag, (str, int)) else None)
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

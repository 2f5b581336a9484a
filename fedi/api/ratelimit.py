"""Rate limits of the client API: per access token, or per client address without one.

Fixed five-minute windows of 300 requests, as Mastodon's defaults, announced on every
response with X-RateLimit-Limit / -Remaining / -Reset; past the limit, 429.
"""

from __future__ import annotations

import functools
import json
import time
from datetime import datetime, timezone

from aiohttp import web

from fedi.api.http import bearer, token_hash
from fedi.appkeys import STATE
from fedi.edge.clients import client_address

WINDOW = 300.0
LIMIT = 300


def _key(request: web.Request) -> str:
    token = bearer(request)
    if token:
        return "t:" + token_hash(request, token)[:32]
    return "ip:" + client_address(request)


@functools.lru_cache(maxsize=64)
def _reset_at(start: float) -> str:
    """When a window that began at `start` ends, as X-RateLimit-Reset says it."""
    return datetime.fromtimestamp(start + WINDOW, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@web.middleware
async def rate_limit_middleware(request: web.Request, handler):
    if not request.path.startswith("/api/") or request.method == "OPTIONS" \
            or request.path.startswith("/api/v1/streaming"):
        return await handler(request)
    start, count = request.app[STATE].api_requests.count(_key(request), time.time(), WINDOW)
    headers = {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": str(max(0, LIMIT - count)),
               "X-RateLimit-Reset": _reset_at(start)}
    if count > LIMIT:
        return web.Response(text=json.dumps({"error": "Too many requests"}), status=429,
                            content_type="application/json", headers=headers)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response

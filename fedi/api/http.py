"""HTTP plumbing of the Mastodon client API face: parameters, auth, scopes, paging."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

from aiohttp import web

from fedi.appkeys import STATE
from fedi.edge import bodies, jsonout
from fedi.models import Account, Token
from fedi.services import tokens
from fedi.services.accounts import hash_token

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


def error(status: int, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
           404: web.HTTPNotFound, 409: web.HTTPConflict, 410: web.HTTPGone,
           422: web.HTTPUnprocessableEntity, 429: web.HTTPTooManyRequests}.get(status, web.HTTPBadRequest)
    return cls(text=json.dumps({"error": message}), content_type="application/json")


def ok(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=jsonout.dumps(data), status=status,
                        content_type="application/json", charset="utf-8", headers=headers)


API_PARAMS = web.RequestKey("api_params", dict)
TOKEN_HASH = web.RequestKey("token_hash", tuple)  # (the raw token, its hash)


async def params(request: web.Request) -> dict:
    """Query, form, multipart or JSON parameters, merged (body wins). Cached per request."""
    if API_PARAMS in request:
        return request[API_PARAMS]
    merged: dict = {}
    for key in request.query:
        values = request.query.getall(key)
        merged[key] = values if key.endswith("[]") else values[-1]
    if request.can_read_body:  # any method: some clients send GET parameters as a JSON body
        ctype = request.content_type
        if ctype == "application/json":
            body = await bodies.read_json(request)
            if body is None:
                body = {}
            if not isinstance(body, dict):
                raise error(400, "the request body must be a JSON object")
            merged.update(body)
        elif ctype in bodies.FORM_TYPES:
            form = await bodies.read_form(request)
            for key in form:
                values = form.getall(key)
                merged[key] = values if key.endswith("[]") else values[-1]
    request[API_PARAMS] = merged
    return merged


def listed(p: dict, name: str) -> list:
    """A list parameter sent as name[]=a&name[]=b, as JSON list, or as a single value."""
    value = p.get(f"{name}[]", p.get(name))
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def nested(p: dict, name: str) -> dict:
    """A structured parameter: JSON {"name": {...}} or form keys name[a][b]=v, as nested dicts."""
    value = p.get(name)
    tree: dict = dict(value) if isinstance(value, dict) else {}
    prefix = f"{name}["
    for key, raw in p.items():
        if not key.startswith(prefix) or not key.endswith("]"):
            continue
        parts = key[len(prefix):-1].split("][")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            node = node.setdefault(part, {}) if not isinstance(child, dict) else child
        node[parts[-1]] = raw
    return tree


def flag(p: dict, name: str, default: bool = False) -> bool:
    value = p.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "t", "on", "yes")


def number(p: dict, name: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(p.get(name, default))
    except (TypeError, ValueError):
        raise error(422, f"{name} must be a number") from None
    return max(lo, min(hi, value))


@dataclass
class Auth:
    token: Token
    account: Account | None

    def user(self) -> Account:
        if self.account is None:
            raise error(422, "This method requires an authenticated user")
        return self.account


def scope_allows(granted: set[str], needed: str) -> bool:
    """`read` covers `read:*`; the legacy `follow` scope covers follows, blocks and mutes."""
    if needed in granted:
        return True
    top = needed.split(":")[0]
    if top in granted:
        return True
    if "follow" in granted and needed in ("read:follows", "write:follows", "read:blocks",
                                          "write:blocks", "read:mutes", "write:mutes"):
        return True
    return False


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query.get("access_token") or None


def token_hash(request: web.Request, raw: str) -> str:
    """The hash the token is stored under, worked out once per request."""
    found = request.get(TOKEN_HASH)
    if found is None or found[0] != raw:
        found = request[TOKEN_HASH] = (raw, hash_token(raw))
    return found[1]


async def authenticate(request: web.Request, scope: str | None = None, *, required: bool = True) -> Auth | None:
    """The caller's token and account; 401 without a valid token, 403 without the scope."""
    raw = bearer(request)
    if raw is None:
        if required:
            raise error(401, "The access token is invalid")
        return None
    found = await tokens.holder(request.app[STATE], token_hash(request, raw))
    if found is None:
        raise error(401, "The access token is invalid")
    if found.disabled:
        raise error(401, "Your login is currently disabled")
    if scope is not None and not scope_allows(found.token.scope_set, scope):
        raise error(403, "This action is outside the authorized scopes")
    return Auth(token=found.token, account=found.account)


def page_args(p: dict) -> dict:
    return {
        "max_id": p.get("max_id") or None,
        "since_id": p.get("since_id") or None,
        "min_id": p.get("min_id") or None,
        "limit": number(p, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    }


def link_header(request: web.Request, ids: list[str]) -> dict:
    """Link: <...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev" (as Mastodon builds it)."""
    if not ids:
        return {}
    state = request.app[STATE]
    base = state.urls.base + request.path
    kept = urlencode([(k, v) for k, v in request.query.items()
                      if k not in ("max_id", "min_id", "since_id", "access_token")])
    base += f"?{kept}&" if kept else "?"
    nxt = f"{base}max_id={quote_plus(ids[-1])}"
    prev = f"{base}min_id={quote_plus(ids[0])}"
    return {"Link": f'<{nxt}>; rel="next", <{prev}>; rel="prev"'}


def route(app: web.Application, method: str, path: str, handler) -> None:
    """Register a route with and without a trailing slash (clients use both)."""
    app.router.add_route(method, path, handler)
    app.router.add_route(method, path.rstrip("/") + "/", handler)


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Expose-Headers": "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
    "Access-Control-Max-Age": "86400",
}
CORS_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/")


@web.middleware
async def cors_middleware(request: web.Request, handler):
    if not request.path.startswith(CORS_PREFIXES):
        return await handler(request)
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(CORS_HEADERS)
        raise
    response.headers.update(CORS_HEADERS)
    return response

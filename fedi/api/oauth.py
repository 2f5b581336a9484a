"""OAuth 2 endpoints client apps call: /oauth/token, /oauth/revoke, and the RFC 8414 metadata at
/.well-known/oauth-authorization-server. The log-in and consent page (/oauth/authorize) is the
web face's (fedi.web.oauth_consent)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from aiohttp import web

from fedi.api.http import ok, params, route
from fedi.edge.clients import client_address
from fedi.appkeys import STATE
from fedi.services import oauth

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}


def _client_credentials(request: web.Request, p: dict) -> tuple:
    """client_secret_basic (Authorization: Basic) or client_secret_post."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            return unquote_plus(client_id), unquote_plus(secret)
        except (binascii.Error, UnicodeDecodeError):
            return None, None
    return p.get("client_id"), p.get("client_secret")


def _oauth_error(exc: oauth.OAuthError) -> web.Response:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return ok({"error": exc.error, "error_description": exc.message}, exc.status, headers)


async def token(request: web.Request) -> web.Response:
    p = await params(request)
    client_id, client_secret = _client_credentials(request, p)
    try:
        issued = await oauth.grant(request.app[STATE], p, client_id, client_secret, client_address(request))
    except oauth.OAuthError as exc:
        return _oauth_error(exc)
    return ok(issued, headers=NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    p = await params(request)
    client_id, client_secret = _client_credentials(request, p)
    try:
        await oauth.revoke(request.app[STATE], client_id, client_secret, p.get("token"))
    except oauth.OAuthError as exc:
        return _oauth_error(exc)
    return ok({})


async def metadata(request: web.Request) -> web.Response:
    return ok(oauth.server_metadata(request.app[STATE]))


def setup(app: web.Application) -> None:
    route(app, "POST", "/oauth/token", token)
    route(app, "POST", "/oauth/revoke", revoke)
    route(app, "GET", "/.well-known/oauth-authorization-server", metadata)

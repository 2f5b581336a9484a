"""Browser-facing protection: CSRF tokens on every form, security headers on every page,
and the session cookie.

CSRF: each browser gets a random nonce in an HttpOnly, SameSite=Lax cookie; a form
carries HMAC(instance secret, nonce), so a page on another site can neither read
nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web
from multidict import MultiDictProxy

from fedi.appkeys import STATE
from fedi.edge import bodies
from fedi.services import oauth

SESSION_COOKIE = "fedi_session"
CSRF_COOKIE = "fedi_csrf"
CSRF_FIELD = "csrf_token"
NONCE = web.RequestKey("web_csrf_nonce", str)
CSP = ("default-src 'self'; img-src 'self' https: {http}data: blob:; media-src 'self' https: {http}; "
       "style-src 'self'; script-src 'self'; connect-src 'self' {ws}; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def csp(request: web.Request) -> str:
    base = request.app[STATE].urls.base
    insecure = base.startswith("http:")  # a development instance: peers and media over plain http too
    host = base.split("://", 1)[1]
    ws = f"wss://{host}" + (f" ws://{host}" if insecure else "")
    return CSP.format(http="http: " if insecure else "", ws=ws)


def secure_cookies(request: web.Request) -> bool:
    return request.app[STATE].urls.base.startswith("https:")


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, path="/", httponly=True, samesite="Lax", max_age=max_age,
                        secure=secure_cookies(request))


def nonce(request: web.Request) -> str:
    """This browser's CSRF nonce (a new one is set on the response by `render`)."""
    if NONCE not in request:
        value = request.cookies.get(CSRF_COOKIE, "")
        request[NONCE] = value if 32 <= len(value) <= 100 else oauth.new_nonce()
    return request[NONCE]


async def csrf_token(request: web.Request) -> str:
    secret = await oauth.secret_key(request.app[STATE])
    return hmac.new(secret, b"web\0" + nonce(request).encode(), hashlib.sha256).hexdigest()


def remember_nonce(request: web.Request, response: web.StreamResponse) -> None:
    if request.cookies.get(CSRF_COOKIE) != nonce(request):
        set_cookie(request, response, CSRF_COOKIE, nonce(request), max_age=365 * 86400)


class CsrfError(web.HTTPForbidden):
    pass


async def checked_form(request: web.Request) -> MultiDictProxy:
    """The posted form, after checking its CSRF token (403 otherwise)."""
    form = await bodies.read_form(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get(CSRF_FIELD) or "")
    if len(cookie) < 32 or not sent or not hmac.compare_digest(sent.encode(), (await csrf_token(request)).encode()):
        raise CsrfError(text="The form expired or came from another site. Go back, reload the page and try again.")
    return form


@web.middleware
async def headers_middleware(request: web.Request, handler):
    response = await handler(request)
    if response.content_type == "text/html" or response.status >= 400 and response.content_type == "text/plain":
        response.headers.setdefault("Content-Security-Policy", csp(request))
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response

"""Rendering pages: the template context every page shares, flash notices, and error pages."""

from __future__ import annotations

import functools
from urllib.parse import quote, unquote

from aiohttp import web

from fedi.appkeys import STATE, TEMPLATES
from fedi.edge.redirects import local_target
from fedi.models import Account, User
from fedi.services import accounts, follows, instance_settings, personal, sessions
from fedi.services.errors import ServiceError
from fedi.web import security

VIEWER = web.RequestKey("web_viewer", object)
VIEWER_SETTINGS = web.RequestKey("web_viewer_settings", object)
FLASH_COOKIE = "fedi_flash"

WORDS = {
    "personal": {
        "followers": "Followers", "follower": "follower", "following": "Following", "follow": "Follow",
        "unfollow": "Unfollow", "requested": "Requested", "requests": "Follow requests",
        "private": "Followers only", "mutuals": "Friends", "network": "social network",
        "connected": "You follow each other",
    },
    "professional": {
        "followers": "Followers", "follower": "follower", "following": "Following",
        "follow": "Connect", "unfollow": "Remove connection", "requested": "Request sent",
        "requests": "Connection requests", "private": "Connections only", "mutuals": "Connections",
        "network": "professional network", "connected": "Connected",
    },
}


async def viewer(request: web.Request) -> Account | None:
    """The signed-in account of this browser, if any (looked up once per request)."""
    if VIEWER not in request:
        token = request.cookies.get(security.SESSION_COOKIE)
        request[VIEWER] = await sessions.account_for(request.app[STATE], token)
    return request[VIEWER]


async def viewer_settings(request: web.Request) -> User | None:
    """The signed-in account's settings (admin rights, default visibility), if any (looked
    up once per request)."""
    if VIEWER_SETTINGS not in request:
        request[VIEWER_SETTINGS] = await accounts.user_settings(request.app[STATE], await viewer(request))
    return request[VIEWER_SETTINGS]


async def require_viewer(request: web.Request) -> Account:
    account = await viewer(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?next={quote(request.path_qs, safe='')}")
    return account


def words(state) -> dict:
    return WORDS["professional" if state.config.professional else "personal"]


async def _badges(state, account: Account | None) -> dict:
    """Unread notifications and waiting follow requests, for the navigation."""
    if account is None:
        return {}
    unread = await personal.unread_notifications(state, account.id, limit=99)
    return {"notifications": unread, "requests": len(await follows.pending_for(state, account))}


async def render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    state = request.app[STATE]
    account = await viewer(request)
    user = await viewer_settings(request)
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:300]
    token = await security.csrf_token(request)
    values = dict(instance=instance_settings.current(state), domain=state.urls.domain,
                  professional=state.config.professional,
                  words=words(state), viewer=account, is_admin=bool(user and user.admin), flash=flash,
                  csrf_token=token, web_csrf=token, badges=await _badges(state, account))
    values.update(context)
    html = request.app[TEMPLATES].get_template(template).render(**values)
    response = web.Response(text=html, status=status, content_type="text/html",
                            headers={"Vary": "Accept, Cookie", "Cache-Control": "private, no-cache"})
    security.remember_nonce(request, response)
    if flash:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: web.Request, location: str, notice: str = "") -> web.Response:
    """303 to `location` (a path on this site only), optionally showing `notice` on the next page."""
    response = web.Response(status=303, headers={"Location": local_target(location, "/")})
    if notice:
        security.set_cookie(request, response, FLASH_COOKIE, quote(notice[:300]), max_age=60)
    return response


MACHINE_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/users/", "/inbox", "/actor",
                    "/activities/", "/media/", "/static/")


def wants_html(request: web.Request) -> bool:
    """A browser asking for a page (not an API, federation or file path)."""
    return not request.path.startswith(MACHINE_PREFIXES) and "text/html" in request.headers.get("Accept", "")


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return await render(request, "error.html", status=status, message=message, status_code=status)


def page(handler):
    """Wrap a page handler: service errors and bad forms become HTML error pages."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request):
        try:
            return await handler(request)
        except security.CsrfError as exc:
            return await error_page(request, 403, exc.text)
        except ServiceError as exc:
            return await error_page(request, exc.status, exc.message)
        except web.HTTPException as exc:
            if exc.status >= 400 and exc.content_type != "text/html":
                return await error_page(request, exc.status, exc.text if not exc.text.startswith(
                    f"{exc.status}:") else exc.reason)
            raise
    return wrapped

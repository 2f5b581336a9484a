"""Timelines: home, public (federated and local), hashtag and list."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_status
from fedi.api.http import authenticate, flag, link_header, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import reading, timelines



async def respond(request: web.Request, page: tuple[list[Status], list[str]], viewer: Account | None,
                  context: str = "home", cache: dict | None = None,
                  details: reading.PageDetails | None = None) -> web.Response:
    """A page of statuses; the Link header follows the page's ids, whatever was dropped.
    `cache` and `details`: what reading the page kept of the reader's filters and of the
    page's details."""
    items, ids = page
    return ok(await entities_status.statuses(request.app[STATE], items, viewer, context=context,
                                             filter_cache=cache, details=details),
              headers=link_header(request, ids))


def _locality(p: dict) -> bool | None:
    """`local=true`: this server only; `remote=true`: other servers only; else both."""
    if flag(p, "local"):
        return True
    if flag(p, "remote"):
        return False
    return None


async def _reader(request: web.Request) -> Account | None:
    auth = await authenticate(request, "read:statuses", required=False)
    return auth.account if auth else None


async def home(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:statuses")).user()
    cache, details = {}, reading.PageDetails()
    page = await timelines.home(request.app[STATE], me, cache=cache, details=details,
                                **page_args(await params(request)))
    return await respond(request, page, me, cache=cache, details=details)


async def public(request: web.Request) -> web.Response:
    viewer, p, cache, details = await _reader(request), await params(request), {}, reading.PageDetails()
    page = await timelines.public(request.app[STATE], viewer, local=_locality(p), only_media=flag(p, "only_media"),
                                  cache=cache, details=details, **page_args(p))
    return await respond(request, page, viewer, "public", cache, details)


async def hashtag(request: web.Request) -> web.Response:
    viewer, p, cache, details = await _reader(request), await params(request), {}, reading.PageDetails()
    page = await timelines.public(request.app[STATE], viewer, local=_locality(p), only_media=flag(p, "only_media"),
                                  tag=request.match_info["hashtag"].lstrip("#"), cache=cache, details=details,
                                  **page_args(p))
    return await respond(request, page, viewer, "public", cache, details)


async def list_timeline(request: web.Request) -> web.Response:
    me = (await authenticate(request, "read:lists")).user()
    state = request.app[STATE]
    cache, details = {}, reading.PageDetails()
    items = await timelines.of_list(state, me, request.match_info["list_id"], cache=cache, details=details,
                                    **page_args(await params(request)))
    return ok(await entities_status.statuses(state, items, me, filter_cache=cache, details=details),
              headers=link_header(request, [s.id for s in items]))


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/timelines/home", home)
    route(app, "GET", "/api/v1/timelines/public", public)
    route(app, "GET", "/api/v1/timelines/tag/{hashtag}", hashtag)
    route(app, "GET", "/api/v1/timelines/list/{list_id}", list_timeline)

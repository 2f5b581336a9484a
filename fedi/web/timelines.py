"""Timelines in the browser: home (signed in), local and federated, and one's bookmarks,
each paged with "Newer" and "Older" links. The same storage and visibility and filter
rules as the client API's timelines."""

from __future__ import annotations

import secrets

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import personal, reading, timelines
from fedi.web import views
from fedi.web.render import page, render, require_viewer, viewer, viewer_settings

TITLES = {"home": "Home", "local": "Local", "federated": "Federated"}


async def _timeline(request: web.Request, name: str, page: tuple, me, context: str,
                    details: reading.PageDetails) -> web.Response:
    state = request.app[STATE]
    items, ids = page
    user = await viewer_settings(request)
    return await render(request, "timeline.html", timeline=name, title=TITLES[name],
                        posts=await views.statuses(state, items, me, context=context, details=details),
                        pager=views.pager(request, ids),
                        back=request.path_qs, default_visibility=views.reply_visibility(user, None),
                        post_key=secrets.token_urlsafe(16))


@page
async def home(request: web.Request) -> web.Response:
    me, details = await require_viewer(request), reading.PageDetails()
    page = await timelines.home(request.app[STATE], me, details=details, **views.paging(request))
    return await _timeline(request, "home", page, me, "home", details)


@page
async def local(request: web.Request) -> web.Response:
    """This server's public posts (and, for a signed-in reader, its local-only ones); open to
    visitors, as the landing page is."""
    me, details = await viewer(request), reading.PageDetails()
    page = await timelines.public(request.app[STATE], me, local=True, details=details, **views.paging(request))
    return await _timeline(request, "local", page, me, "public", details)


@page
async def federated(request: web.Request) -> web.Response:
    me, details = await require_viewer(request), reading.PageDetails()
    page = await timelines.public(request.app[STATE], me, local=None, details=details, **views.paging(request))
    return await _timeline(request, "federated", page, me, "public", details)


@page
async def bookmarks(request: web.Request) -> web.Response:
    me = await require_viewer(request)
    state = request.app[STATE]
    pairs = await personal.bookmarked(state, me, **views.paging(request))
    keys = [key for key, _ in pairs]
    return await render(request, "bookmarks.html", posts=await views.visible(state, [s for _, s in pairs], me),
                        pager=views.pager(request, keys), back=request.path_qs)


def setup(app: web.Application) -> None:
    app.router.add_get("/home", home)
    app.router.add_get("/local", local)
    app.router.add_get("/federated", federated)
    app.router.add_get("/bookmarks", bookmarks)

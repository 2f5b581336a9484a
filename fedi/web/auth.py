"""Signing in and out of the web interface."""

from __future__ import annotations

from aiohttp import web

from fedi.edge.clients import client_address
from fedi.appkeys import STATE
from fedi.edge.redirects import local_target
from fedi.services import oauth, sessions
from fedi.services.errors import ServiceError
from fedi.web import security
from fedi.web.render import page, redirect, render, viewer


def _next(value) -> str:
    return local_target(value, "/home")


@page
async def sign_in_form(request: web.Request) -> web.Response:
    if await viewer(request) is not None:
        return redirect(request, _next(request.query.get("next")))
    return await render(request, "sign_in.html", next=_next(request.query.get("next")), login="")


@page
async def sign_in(request: web.Request) -> web.Response:
    state = request.app[STATE]
    form = await security.checked_form(request)
    login, target = str(form.get("login") or "").strip()[:320], _next(form.get("next"))
    try:
        account = await oauth.login(state, client_address(request), login, form.get("password"))
    except ServiceError as exc:  # too many attempts, or waiting for approval
        return await render(request, "sign_in.html", status=exc.status, error=exc.message,
                            login=login, next=target)
    if account is None:
        return await render(request, "sign_in.html", status=401, error="Wrong e-mail, username or password.",
                            login=login, next=target)
    token = await sessions.start(state, account, request.headers.get("User-Agent", ""))
    response = redirect(request, target)
    security.set_cookie(request, response, security.SESSION_COOKIE, token, max_age=sessions.IDLE_LIFETIME)
    return response


@page
async def sign_out(request: web.Request) -> web.Response:
    await security.checked_form(request)
    await sessions.end(request.app[STATE], request.cookies.get(security.SESSION_COOKIE))
    response = redirect(request, "/", "You are signed out.")
    response.del_cookie(security.SESSION_COOKIE, path="/")
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/auth/sign_in", sign_in_form)
    app.router.add_post("/auth/sign_in", sign_in)
    app.router.add_post("/auth/sign_out", sign_out)

"""Creating an account in the browser, as the instance's registration mode allows: open,
with approval (a reason is asked for), by invite link, or closed."""

from __future__ import annotations

from aiohttp import web

from fedi.edge.clients import client_address
from fedi.appkeys import STATE
from fedi.services import registration, sessions
from fedi.services.errors import ServiceError
from fedi.web import security
from fedi.web.render import page, redirect, render, viewer

FIELDS = ("username", "email", "reason")


async def _form(request: web.Request, *, invite: str = "", status: int = 200, error: str = "",
                values: dict | None = None) -> web.Response:
    mode = await registration.mode(request.app[STATE])
    return await render(request, "sign_up.html", status=status, mode=mode, invite=invite, error=error,
                        values=values or {}, reason_max=registration.MAX_REASON)


@page
async def sign_up_form(request: web.Request) -> web.Response:
    if await viewer(request) is not None:
        return redirect(request, "/home")
    return await _form(request)


@page
async def invite_form(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if await registration.valid_invite(request.app[STATE], code) is None:
        raise ServiceError("This invite link is invalid, used up or expired. Ask the person who sent it "
                           "for a new one.", 404)
    if await viewer(request) is not None:
        return redirect(request, "/home", "You already have an account here.")
    if await registration.mode(request.app[STATE]) == "closed":
        return await _form(request)
    return await _form(request, invite=code)


@page
async def sign_up(request: web.Request) -> web.Response:
    state = request.app[STATE]
    form = await security.checked_form(request)
    values = {k: str(form.get(k) or "").strip()[:2000] for k in FIELDS}
    invite = str(form.get("invite") or "").strip()[:64]
    password = str(form.get("password") or "")
    if await registration.mode(state) == "closed":
        return await _form(request, status=403, error="This instance is not accepting new accounts.")
    if password != str(form.get("password_confirmation") or ""):
        return await _form(request, invite=invite, status=422, values=values,
                           error="The two passwords are not the same.")
    try:
        done = await registration.register(state, username=values["username"], email=values["email"],
                                           password=password, reason=values["reason"],
                                           invite_code=invite or None, ip=client_address(request))
    except ServiceError as exc:
        return await _form(request, invite=invite, status=exc.status, values=values, error=_sentence(exc.message))
    if not done.approved:
        return redirect(request, "/auth/sign_up/pending")
    token = await sessions.start(state, done.account, request.headers.get("User-Agent", ""))
    response = redirect(request, "/home", f"Welcome, @{done.account.username}! Your account is ready.")
    security.set_cookie(request, response, security.SESSION_COOKIE, token, max_age=sessions.IDLE_LIFETIME)
    return response


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


@page
async def pending(request: web.Request) -> web.Response:
    return await render(request, "sign_up_pending.html")


def setup(app: web.Application) -> None:
    app.router.add_get("/auth/sign_up", sign_up_form)
    app.router.add_post("/auth/sign_up", sign_up)
    app.router.add_get("/auth/sign_up/pending", pending)
    app.router.add_get(rf"/invite/{{code:{registration.CODE_PATTERN}}}", invite_form)

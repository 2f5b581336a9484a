"""The OAuth 2 log-in and consent page (/oauth/authorize), where a person lets a client app
act for them. The token, revocation and metadata endpoints apps call are the client API's
(fedi.api.oauth); the rules of both are fedi.services.oauth."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from fedi.appkeys import STATE
from fedi.edge import bodies
from fedi.edge.clients import client_address
from fedi.services import oauth
from fedi.web.render import render
from fedi.web.security import csp

CSRF_COOKIE = "fedi_oauth_csrf"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}


def _form_action(request: web.Request, req: oauth.AuthRequest | None) -> str:
    """CSP form-action must also allow the redirect that follows the form post."""
    policy = csp(request)
    if req is None or req.redirect_uri == oauth.OOB:
        return policy
    parts = urlsplit(req.redirect_uri)
    source = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    if any(c in source for c in " ;,'\"\t\r\n"):
        return policy
    return policy.replace("form-action 'self'", f"form-action 'self' {source}")


async def _page(request: web.Request, name: str, status: int, req: oauth.AuthRequest | None,
                **context) -> web.Response:
    response = await render(request, name, status=status, **context)
    response.headers.update(NO_STORE)
    response.headers["Content-Security-Policy"] = _form_action(request, req)
    return response


async def _fatal(request: web.Request, status: int, message: str) -> web.Response:
    return await _page(request, "oauth_authorize.html", status, None, fatal=message)


async def _form(request: web.Request, req: oauth.AuthRequest, status: int = 200,
                error: str | None = None, login: str = "") -> web.Response:
    state = request.app[STATE]
    nonce = request.cookies.get(CSRF_COOKIE, "")
    fresh = len(nonce) < 32
    nonce = oauth.new_nonce() if fresh else nonce
    response = await _page(request, "oauth_authorize.html", status, req, app=req.app, scopes=req.scopes,
                     fields=req.fields(), csrf_token=await oauth.csrf_token(state, nonce),
                     error=error, login=login)
    if fresh:
        response.set_cookie(CSRF_COOKIE, nonce, path="/oauth", httponly=True, samesite="Lax",
                            secure=state.urls.base.startswith("https:"))
    return response


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location, **NO_STORE})


async def _refused(request: web.Request, exc: oauth.AuthorizeError) -> web.Response:
    """Errors go back to the client only through a registered, non-oob redirect URI."""
    req = exc.request
    if req is None or req.redirect_uri == oauth.OOB:
        return await _fatal(request, 400, exc.message)
    return _redirect(req.redirect(error=exc.error, error_description=exc.message, state=req.state))


async def authorize_get(request: web.Request) -> web.Response:
    try:
        req = await oauth.authorization_request(request.app[STATE], await _fields(request))
    except oauth.AuthorizeError as exc:
        return await _refused(request, exc)
    return await _form(request, req)


async def authorize_post(request: web.Request) -> web.Response:
    state = request.app[STATE]
    p = await _fields(request)
    if not await oauth.csrf_valid(state, request.cookies.get(CSRF_COOKIE, ""), str(p.get("csrf_token") or "")):
        return await _fatal(request, 403, "This form has expired or was not sent from this site. Go back and try again.")
    try:
        req = await oauth.authorization_request(state, p)
    except oauth.AuthorizeError as exc:
        return await _refused(request, exc)
    login = str(p.get("username") or "")
    try:
        account = await oauth.login(state, client_address(request), login, p.get("password"))
    except oauth.OAuthError as exc:
        return await _form(request, req, exc.status, exc.message, login)
    if account is None:
        return await _form(request, req, 401, "The username, e-mail address or password is wrong.", login)
    code = await oauth.issue_code(state, req, account)
    if req.redirect_uri == oauth.OOB:
        return await _page(request, "oauth_code.html", 200, None, app=req.app, code=code)
    return _redirect(req.redirect(code=code, state=req.state))


async def _fields(request: web.Request) -> dict:
    """The query, and for a POST the form too (the form wins); the last of repeated keys."""
    fields = {key: request.query.getall(key)[-1] for key in request.query}
    if request.method == "POST" and request.content_type in bodies.FORM_TYPES:
        form = await bodies.read_form(request)
        fields.update({key: form.getall(key)[-1] for key in form})
    return fields


def setup(app: web.Application) -> None:
    for path in ("/oauth/authorize", "/oauth/authorize/"):
        app.router.add_get(path, authorize_get)
        app.router.add_post(path, authorize_post)

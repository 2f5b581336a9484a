"""Client applications: POST /api/v1/apps and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

from aiohttp import web

from fedi.api.http import authenticate, error, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.models import App
from fedi.services import oauth, push


def application(app: App, *, secret: bool = False, vapid_key: str = "") -> dict:
    """The Application entity; the client credentials only when the app is created."""
    uris = app.redirect_list
    data = {"id": app.id, "name": app.name, "website": app.website, "scopes": app.scopes.split(),
            "redirect_uri": "\n".join(uris), "redirect_uris": uris}
    if secret:
        data.update(client_id=app.client_id, client_secret=app.client_secret,
                    client_secret_expires_at=0, vapid_key=vapid_key)
    return data


async def create(request: web.Request) -> web.Response:
    p = await params(request)
    app = await oauth.register_app(request.app[STATE], p.get("client_name"), listed(p, "redirect_uris"),
                                   p.get("scopes", p.get("scopes[]")), p.get("website"))
    return ok(application(app, secret=True, vapid_key=push.vapid_public_key(request.app[STATE])))


async def verify_credentials(request: web.Request) -> web.Response:
    auth = await authenticate(request)
    app = await oauth.app_for_token(request.app[STATE], auth.token.app_id)
    if app is None:
        raise error(404, "This access token is not associated with an application")
    return ok(application(app))


def setup(app: web.Application) -> None:
    route(app, "POST", "/api/v1/apps", create)
    route(app, "GET", "/api/v1/apps/verify_credentials", verify_credentials)

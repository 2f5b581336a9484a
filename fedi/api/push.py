"""Web Push subscription: /api/v1/push/subscription (one per access token)."""

from __future__ import annotations

from aiohttp import web

from fedi.api.http import authenticate, nested, ok, params, route
from fedi.appkeys import STATE
from fedi.services import push as svc


def entity(state, sub: dict) -> dict:
    """Mastodon's WebPushSubscription (its id is a JSON number, which apps decode as an integer)."""
    return {"id": int(sub["id"]), "endpoint": sub["endpoint"], "standard": sub["standard"],
            "alerts": sub["alerts"], "policy": sub["policy"], "server_key": svc.vapid_public_key(state)}


def _data(p: dict) -> tuple[dict | None, str | None]:
    data = nested(p, "data")
    alerts = data.get("alerts")
    return (alerts if isinstance(alerts, dict) else None), data.get("policy") or p.get("policy")


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "on", "yes")


async def create(request: web.Request) -> web.Response:
    auth = await authenticate(request, "push")
    state, p = request.app[STATE], await params(request)
    subscription = nested(p, "subscription")
    keys = subscription.get("keys") if isinstance(subscription.get("keys"), dict) else {}
    alerts, policy = _data(p)
    sub = await svc.subscribe(state, auth.token, auth.user(), endpoint=str(subscription.get("endpoint") or ""),
                              p256dh=str(keys.get("p256dh") or ""), auth=str(keys.get("auth") or ""),
                              standard=_flag(subscription.get("standard")), alerts=alerts, policy=policy)
    return ok(entity(state, sub))


async def show(request: web.Request) -> web.Response:
    auth = await authenticate(request, "push")
    state = request.app[STATE]
    return ok(entity(state, await svc.current(state, auth.token)))


async def update(request: web.Request) -> web.Response:
    auth = await authenticate(request, "push")
    state = request.app[STATE]
    alerts, policy = _data(await params(request))
    return ok(entity(state, await svc.change(state, auth.token, alerts=alerts, policy=policy)))


async def delete(request: web.Request) -> web.Response:
    auth = await authenticate(request, "push")
    await svc.unsubscribe(request.app[STATE], auth.token)
    return ok({})


def setup(app: web.Application) -> None:
    route(app, "POST", "/api/v1/push/subscription", create)
    route(app, "GET", "/api/v1/push/subscription", show)
    route(app, "PUT", "/api/v1/push/subscription", update)
    route(app, "DELETE", "/api/v1/push/subscription", delete)

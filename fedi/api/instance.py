"""Instance information: /api/v1/instance, /api/v2/instance and their satellites."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities_instance
from fedi.api.http import ok, route
from fedi.appkeys import STATE
from fedi.services import instance_settings, known_accounts


async def instance_v1(request: web.Request) -> web.Response:
    return ok(await entities_instance.instance_v1(request.app[STATE]))


async def instance_v2(request: web.Request) -> web.Response:
    return ok(await entities_instance.instance_v2(request.app[STATE]))


async def peers(request: web.Request) -> web.Response:
    return ok(await known_accounts.peer_domains(request.app[STATE]))


async def empty_list(request: web.Request) -> web.Response:
    return ok([])


async def extended_description(request: web.Request) -> web.Response:
    cfg = instance_settings.current(request.app[STATE])
    return ok({"updated_at": None, "content": cfg.description})


async def rules(request: web.Request) -> web.Response:
    return ok(entities_instance.rules(instance_settings.current(request.app[STATE])))


async def activity(request: web.Request) -> web.Response:
    return ok([])


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/instance", instance_v1)
    route(app, "GET", "/api/v2/instance", instance_v2)
    route(app, "GET", "/api/v1/instance/peers", peers)
    route(app, "GET", "/api/v1/instance/activity", activity)
    route(app, "GET", "/api/v1/instance/rules", rules)
    route(app, "GET", "/api/v1/instance/extended_description", extended_description)
    route(app, "GET", "/api/v1/custom_emojis", empty_list)
    route(app, "GET", "/api/v1/announcements", empty_list)
    route(app, "GET", "/api/v1/trends", empty_list)
    route(app, "GET", "/api/v1/trends/tags", empty_list)
    route(app, "GET", "/api/v1/trends/statuses", empty_list)
    route(app, "GET", "/api/v1/trends/links", empty_list)

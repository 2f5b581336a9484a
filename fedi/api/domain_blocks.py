"""A reader's blocked domains: /api/v1/domain_blocks."""

from __future__ import annotations

from aiohttp import web

from fedi.api.http import authenticate, link_header, number, ok, page_args, params, route
from fedi.appkeys import STATE
from fedi.services import domain_blocks

DEFAULT_LIMIT, MAX_LIMIT = 100, 200


async def list_domain_blocks(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:blocks")
    p = await params(request)
    paging = {**page_args(p), "limit": number(p, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)}
    pairs = await domain_blocks.blocked(request.app[STATE], auth.user(), **paging)
    return ok([domain for _, domain in pairs], headers=link_header(request, [k for k, _ in pairs]))


async def block_domain(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:blocks")
    await domain_blocks.block(request.app[STATE], auth.user(), (await params(request)).get("domain", ""))
    return ok({})


async def unblock_domain(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:blocks")
    await domain_blocks.unblock(request.app[STATE], auth.user(), (await params(request)).get("domain", ""))
    return ok({})


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/domain_blocks", list_domain_blocks)
    route(app, "POST", "/api/v1/domain_blocks", block_domain)
    route(app, "DELETE", "/api/v1/domain_blocks", unblock_domain)

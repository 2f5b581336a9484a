"""Keyword filters: /api/v2/filters and their keywords (v1 filters answer an empty list)."""

from __future__ import annotations

import re

from aiohttp import web

from fedi.api import entities_filter
from fedi.api.http import authenticate, error, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.edge import bodies
from fedi.services import filters
from fedi.services.errors import ServiceError

# keywords_attributes[][keyword]=… (Rails' array of hashes) or keywords_attributes[0][keyword]=…
NESTED = re.compile(r"^keywords_attributes\[(\d*)\]\[(\w+)\]$")


async def _keyword_attributes(request: web.Request, p: dict) -> list[dict]:
    """keywords_attributes sent as a JSON list (or index-keyed object) or as nested form keys."""
    value = p.get("keywords_attributes", p.get("keywords_attributes[]"))
    if isinstance(value, dict):
        value = [v for _, v in sorted(value.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    pairs = list(request.query.items())
    if request.method in ("POST", "PUT"):
        pairs += [(k, str(v)) for k, v in (await bodies.read_form(request)).items()]
    listed_, indexed = [], {}
    for key, val in pairs:
        match = NESTED.match(key)
        if match is None:
            continue
        index, name = match.groups()
        if index:
            indexed.setdefault(int(index), {})[name] = val
        else:
            if not listed_ or name in listed_[-1]:
                listed_.append({})
            listed_[-1][name] = val
    return listed_ + [indexed[i] for i in sorted(indexed)]


async def _run(coro):
    try:
        return await coro
    except ServiceError as exc:
        raise error(exc.status, exc.message) from None


async def _me(request: web.Request, scope: str):
    auth = await authenticate(request, scope)
    return request.app[STATE], auth.user().id


def _id(request: web.Request) -> str:
    return request.match_info["id"]


async def index_v1(request: web.Request) -> web.Response:
    await _me(request, "read:filters")
    return ok([])


async def index(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:filters")
    return ok(entities_filter.filters(await filters.all_of(state, me)))


async def create(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    p = await params(request)
    row, keywords = await _run(filters.create(
        state, me, title=p.get("title"), context=listed(p, "context"), filter_action=p.get("filter_action"),
        expires_in=p.get("expires_in"), keywords=await _keyword_attributes(request, p)))
    return ok(entities_filter.filter_entity(row, keywords))


async def show(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:filters")
    return ok(entities_filter.filter_entity(*await _run(filters.one(state, me, _id(request)))))


async def update(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    p = await params(request)
    context = listed(p, "context") if ("context" in p or "context[]" in p) else None
    row, keywords = await _run(filters.update(
        state, me, _id(request), title=p.get("title"), context=context, filter_action=p.get("filter_action"),
        expires_in=p.get("expires_in", filters.KEEP),
        keywords=await _keyword_attributes(request, p)))
    return ok(entities_filter.filter_entity(row, keywords))


async def delete(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    await _run(filters.delete(state, me, _id(request)))
    return ok({})


async def keywords(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:filters")
    found = await _run(filters.keywords_of(state, me, _id(request)))
    return ok([entities_filter.keyword_entity(k) for k in found])


async def add_keyword(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    p = await params(request)
    kw = await _run(filters.add_keyword(state, me, _id(request), p.get("keyword"), p.get("whole_word")))
    return ok(entities_filter.keyword_entity(kw))


async def show_keyword(request: web.Request) -> web.Response:
    state, me = await _me(request, "read:filters")
    return ok(entities_filter.keyword_entity(await _run(filters.own_keyword(state, me, _id(request)))))


async def update_keyword(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    p = await params(request)
    kw = await _run(filters.update_keyword(state, me, _id(request), p.get("keyword"), p.get("whole_word")))
    return ok(entities_filter.keyword_entity(kw))


async def delete_keyword(request: web.Request) -> web.Response:
    state, me = await _me(request, "write:filters")
    await _run(filters.delete_keyword(state, me, _id(request)))
    return ok({})


async def statuses(request: web.Request) -> web.Response:
    """Status filters are not kept: a filter's list of them is always empty."""
    state, me = await _me(request, "read:filters")
    await _run(filters.own(state, me, _id(request)))
    return ok([])


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/filters", index_v1)
    base = "/api/v2/filters"
    route(app, "GET", base, index)
    route(app, "POST", base, create)
    route(app, "GET", base + r"/{id:\d+}", show)
    route(app, "PUT", base + r"/{id:\d+}", update)
    route(app, "DELETE", base + r"/{id:\d+}", delete)
    route(app, "GET", base + r"/{id:\d+}/keywords", keywords)
    route(app, "POST", base + r"/{id:\d+}/keywords", add_keyword)
    route(app, "GET", base + r"/{id:\d+}/statuses", statuses)
    route(app, "GET", base + r"/keywords/{id:\d+}", show_keyword)
    route(app, "PUT", base + r"/keywords/{id:\d+}", update_keyword)
    route(app, "DELETE", base + r"/keywords/{id:\d+}", delete_keyword)

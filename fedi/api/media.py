"""Media uploads (POST /api/v2/media, /api/v1/media; GET/PUT/DELETE /api/v1/media/:id) and
the stored files themselves (GET /media/{name})."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from aiohttp.web_request import FileField

from fedi.api.http import authenticate, error, ok, params, route
from fedi.appkeys import STATE
from fedi.models import MediaAttachment
from fedi.services import media as service

NAME_RE = re.compile(service.NAME_PATTERN)
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Access-Control-Allow-Origin": "*",
}


def _size(width: int | None, height: int | None) -> dict | None:
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def media_entity(state, media: MediaAttachment) -> dict:
    """A Mastodon MediaAttachment."""
    meta: dict = {}
    if original := _size(media.width, media.height):
        meta["original"] = original
    if small := _size(media.thumb_width, media.thumb_height):
        meta["small"] = small
    if media.focus is not None:
        meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    url = service.file_url(state, media.file_name)
    return {
        "id": media.id,
        "type": media.kind,
        "url": url,
        "preview_url": service.file_url(state, media.thumb_name) or url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
    }


def _read(field: FileField) -> bytes:
    """The upload's bytes, reading at most one byte past the limit."""
    field.file.seek(0)
    return field.file.read(service.MAX_IMAGE_BYTES + 1)


async def create(request: web.Request) -> web.Response:
    account = (await authenticate(request, "write:media")).user()
    p = await params(request)
    field = p.get("file")
    if not isinstance(field, FileField):
        raise error(422, "Validation failed: File can't be blank")
    data = await asyncio.to_thread(_read, field)
    state = request.app[STATE]
    media = await service.upload(state, account, data, field.content_type or "", field.filename or "",
                                 p.get("description"), p.get("focus"))
    return ok(media_entity(state, media))


async def show(request: web.Request) -> web.Response:
    account = (await authenticate(request, "write:media")).user()
    state = request.app[STATE]
    media = await service.get_own(state, account, request.match_info["id"])
    return ok(media_entity(state, media))


async def update(request: web.Request) -> web.Response:
    account = (await authenticate(request, "write:media")).user()
    p = await params(request)
    state = request.app[STATE]
    media = await service.update(state, account, request.match_info["id"], p.get("description"),
                                 p.get("focus"))
    return ok(media_entity(state, media))


async def remove(request: web.Request) -> web.Response:
    """Delete an upload not yet posted; an empty object, as Mastodon answers."""
    account = (await authenticate(request, "write:media")).user()
    await service.delete_own(request.app[STATE], account, request.match_info["id"])
    return ok({})


async def serve(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if not NAME_RE.fullmatch(name):
        raise web.HTTPNotFound()
    found = await service.served_file(request.app[STATE], name)
    if found is None:
        raise web.HTTPNotFound()
    path, content_type = found
    return web.FileResponse(path, headers={**FILE_HEADERS, "Content-Type": content_type})


def setup(app: web.Application) -> None:
    route(app, "POST", "/api/v2/media", create)
    route(app, "POST", "/api/v1/media", create)
    route(app, "GET", "/api/v1/media/{id}", show)
    route(app, "PUT", "/api/v1/media/{id}", update)
    route(app, "DELETE", "/api/v1/media/{id}", remove)
    app.router.add_get("/media/{name}", serve)

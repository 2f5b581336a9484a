"""Reading request bodies: the only way any face reads one.

Every reader caps the size (413), bounds the time the body may take to arrive (408, see
`fedi.edge.limits`) and turns malformed input into `BadBody`, a 400 with a short JSON
message that the web face shows as a page: broken multipart, form text that is not UTF-8,
unknown charsets, deeply nested JSON, and text no database can store (NUL characters,
unpaired surrogates). Nothing malformed reaches a handler, so nothing is stored from it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from fedi import safejson
from fedi.edge import limits as edge_limits

log = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
RAW_BODY = web.RequestKey("edge_raw_body", bytes)
FORM = web.RequestKey("edge_form", MultiDictProxy)
JSON_DEPTH = 32
MAX_FIELDS = 1000  # as aiohttp's own multipart reader allows


def _json_text(message: str) -> str:
    return json.dumps({"error": message})


class BadBody(web.HTTPBadRequest):
    """A request body that cannot be read; the message is short and safe to show."""

    def __init__(self, message: str):
        super().__init__(text=_json_text(message), content_type="application/json")


class SlowBody(web.HTTPRequestTimeout):
    def __init__(self):
        super().__init__(text=_json_text("the request body arrived too slowly"),
                         content_type="application/json")


def too_large(limit: int, actual: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=actual,
                                         text=_json_text("request body too large"),
                                         content_type="application/json")


def _deadline(request: web.Request) -> float:
    return edge_limits.of(request).body_deadline(request.content_length)


async def read_bytes(request: web.Request, limit: int | None = None) -> bytes:
    """The whole body, refused with 413 past `limit` bytes (default: the app's client_max_size)
    and with 408 when it arrives too slowly. Read once per request."""
    if RAW_BODY in request:
        return request[RAW_BODY]
    limit = request.client_max_size if limit is None else limit
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit, request.content_length)
    chunks, size = [], 0
    try:
        if request.content.is_eof():  # all of it has arrived already: no deadline to keep
            body = request.content.read_nowait()
            if len(body) > limit:
                raise too_large(limit, len(body))
            chunks.append(body)
        else:
            async with asyncio.timeout(_deadline(request)):
                async for chunk in request.content.iter_chunked(65536):
                    size += len(chunk)
                    if size > limit:
                        raise too_large(limit, size)
                    chunks.append(chunk)
    except TimeoutError:
        raise SlowBody() from None
    except web.HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001 - a body broken off or badly chunked by the sender
        log.debug("unreadable request body", exc_info=True)
        raise BadBody(f"the request body could not be read: {_first_line(exc)}") from None
    request[RAW_BODY] = body = b"".join(chunks)
    return body


async def read_json(request: web.Request, limit: int | None = None, *, max_depth: int = JSON_DEPTH) -> Any:
    """The body parsed as JSON (any JSON value); an empty body is None."""
    body = await read_bytes(request, limit)
    if not body.strip():
        return None
    try:
        return safejson.loads(body, max_depth=max_depth)
    except safejson.JsonError as exc:
        raise BadBody(f"the request body is not acceptable JSON: {exc}") from None


async def read_form(request: web.Request) -> MultiDictProxy:
    """The posted form (url-encoded or multipart); empty for other content types."""
    if FORM in request:
        return request[FORM]
    if request.content_type not in FORM_TYPES or not request.can_read_body:
        form = MultiDictProxy(MultiDict())
    elif request.content_type == FORM_TYPES[0]:
        form = _urlencoded(request, await read_bytes(request))
    else:
        form = await _multipart(request)
    _check_form(form)
    request[FORM] = form
    return form


def _urlencoded(request: web.Request, body: bytes) -> MultiDictProxy:
    charset = request.charset or "utf-8"
    try:
        text = body.decode(charset)
        pairs = parse_qsl(text.rstrip(), keep_blank_values=True, encoding=charset, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except LookupError:
        raise BadBody(f"unknown charset {charset[:40]!r}") from None
    except UnicodeError:
        raise BadBody(f"the form is not valid {charset[:40]}") from None
    except ValueError as exc:
        raise BadBody(f"the form is malformed: {exc}") from None
    return MultiDictProxy(MultiDict(pairs))


async def _multipart(request: web.Request) -> MultiDictProxy:
    if request.content_length is not None and request.content_length > request.client_max_size:
        raise too_large(request.client_max_size, request.content_length)
    try:
        async with asyncio.timeout(_deadline(request)):
            return await request.post()
    except TimeoutError:
        raise SlowBody() from None
    except web.HTTPException:
        raise
    except LookupError:
        raise BadBody("the form names an unknown charset") from None
    except UnicodeError:
        raise BadBody("the form is not valid UTF-8") from None
    except Exception as exc:  # noqa: BLE001 - aiohttp's multipart reader raises many kinds
        log.debug("malformed multipart body", exc_info=True)
        raise BadBody(f"the multipart body is malformed: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__


def _check_form(form: MultiDictProxy) -> None:
    for key, value in form.items():
        texts = [key, value] if isinstance(value, str) else [key, getattr(value, "filename", "") or ""]
        if not all(safejson.storable(text) for text in texts):
            raise BadBody("the form holds a NUL character or text that is not UTF-8")

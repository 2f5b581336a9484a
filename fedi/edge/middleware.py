"""The edge middleware, run for every request of every face.

* A path or query string holding a NUL character is refused with 400 before any handler
  sees it (no database can store it, and no route means it).
* A response or error whose headers would carry CR, LF or NUL (a value taken from a
  request or a peer that slipped through) is replaced by a 400: aiohttp would otherwise
  drop the connection with an unhandled exception.

Requests too malformed to reach any handler (a broken request line or header, bad
chunking, TLS or HTTP/2 spoken to the plain port) are answered 400 by aiohttp itself;
`quiet_client_errors` makes it log them as one line at INFO instead of an ERROR with a
traceback, since they are the client's fault, not the server's.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)
_UNSAFE = ("\r", "\n", "\x00")


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


def unsafe_header(headers) -> str | None:
    """The name of the first header whose name or value holds CR, LF or NUL, if any."""
    for name, value in headers.items():
        if any(c in name or c in value for c in _UNSAFE):
            return name
    return None


@web.middleware
async def edge_middleware(request: web.Request, handler):
    if "\x00" in request.path or "\x00" in request.query_string:
        raise _bad_request("the address holds a NUL character")
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if unsafe_header(exc.headers) is not None:
            log.warning("refused an unsafe %s header on %s %s", unsafe_header(exc.headers),
                        request.method, request.path)
            raise _bad_request("the request leads to an unusable address") from None
        raise
    name = None if response.prepared else unsafe_header(response.headers)
    if name is not None:
        log.warning("refused an unsafe %s header on %s %s", name, request.method, request.path)
        raise _bad_request("the request leads to an unusable address")
    return response


class _ClientErrorFilter(logging.Filter):
    """Turns aiohttp's log of a request it could not parse into one INFO line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
            reason = str(exc.message or type(exc).__name__).strip().splitlines()[0][:120]
            record.msg = f"{record.getMessage()}: malformed request refused ({reason})"
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_FILTER = _ClientErrorFilter()


def quiet_client_errors() -> None:
    """Install the filter on aiohttp's server logger (once)."""
    logger = logging.getLogger("aiohttp.server")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

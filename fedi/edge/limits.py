"""Limits on slow clients, shared by the server runner and the body readers.

* A connection must send a complete request head within `header_timeout` seconds of
  opening, or of the end of its previous response; idle kept-alive connections are closed
  after the same time. (aiohttp's keep-alive timer runs from the start of the connection
  and closes it while no complete request has arrived.)
* A request body must arrive within `body_timeout` seconds plus one second for every
  `body_min_rate` bytes it announces, so large uploads over slow links still succeed
  while a body trickled a byte at a time is cut off.
* A body that a handler never reads is drained for at most ten seconds after the answer
  (aiohttp's lingering time), then the connection is closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

@dataclass(frozen=True)
class Limits:
    header_timeout: float = 30.0
    body_timeout: float = 60.0
    body_min_rate: int = 64 * 1024

    def body_deadline(self, content_length: int | None) -> float:
        """Seconds allowed for a body of `content_length` bytes (unknown: one of the largest)."""
        size = content_length if content_length is not None else 16 * 1024 * 1024
        return self.body_timeout + size / max(1, self.body_min_rate)

    def server_settings(self) -> dict:
        """Keyword arguments for aiohttp's run_app, AppRunner or TestServer."""
        return {"keepalive_timeout": self.header_timeout}


LIMITS: web.AppKey[Limits] = web.AppKey("edge_limits", Limits)
DEFAULT = Limits()


def of(request: web.Request) -> Limits:
    return request.app.get(LIMITS, DEFAULT)

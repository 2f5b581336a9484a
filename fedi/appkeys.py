"""Typed keys for what lives on the aiohttp Application."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aiohttp import web

if TYPE_CHECKING:
    import jinja2

    from fedi.activitypub.verifier import SignatureVerifier
    from fedi.federation.client import HttpClient
    from fedi.federation.delivery import Deliverer
    from fedi.federation.dereference import Dereferencer
    from fedi.federation.schemes import SchemeMemory
    from fedi.jobs.runner import Runner
    from fedi.services.state import State

class BrowserPages(Protocol):
    """The pages a browser gets at an ActivityPub URL (the web face provides them, so that the
    federation face needs no import of it)."""

    async def profile(self, request: web.Request, account) -> web.StreamResponse: ...
    async def status(self, request: web.Request, account, status_id: str) -> web.StreamResponse: ...


STATE: web.AppKey["State"] = web.AppKey("state")
HTTP: web.AppKey["HttpClient"] = web.AppKey("http")
DEREF: web.AppKey["Dereferencer"] = web.AppKey("deref")
VERIFIER: web.AppKey["SignatureVerifier"] = web.AppKey("verifier")
DELIVERER: web.AppKey["Deliverer"] = web.AppKey("deliverer")
RUNNER: web.AppKey["Runner"] = web.AppKey("runner")
SCHEMES: web.AppKey["SchemeMemory"] = web.AppKey("schemes")
TEMPLATES: web.AppKey["jinja2.Environment"] = web.AppKey("templates")
BROWSER_PAGES: web.AppKey[BrowserPages] = web.AppKey("browser_pages")

"""Linked accounts: the signed-in account's other identities (say, the same person's
personal and professional accounts), each verified only while it links back."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.appkeys import STATE
from fedi.services import identity_links
from fedi.services.errors import ServiceError, Unavailable
from fedi.web import security
from fedi.web.render import page, redirect, render, require_viewer


async def _page(request: web.Request, account, *, error: str = "", handle: str = "", label: str = "",
                status: int = 200) -> web.Response:
    state = request.app[STATE]
    entries = []
    for item in await identity_links.linked(state, account):
        other = item["account"]
        entries.append({**item, "acct": other.acct(state.urls.domain) if other else item["uri"],
                        "path": (f"/@{entities.acct(other)}" if other else None),
                        "url": (other.url or other.uri) if other else item["uri"]})
    return await render(request, "settings_links.html", status=status, section="links", entries=entries,
                        error=error, handle=handle, label=label,
                        own_url=state.urls.profile(account.username))


@page
async def links_page(request: web.Request) -> web.Response:
    return await _page(request, await require_viewer(request))


@page
async def add_link(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    handle = str(form.get("handle") or "").strip()[:300]
    label = str(form.get("label") or "").strip()[:identity_links.MAX_LABEL]
    try:
        other = await identity_links.link(request.app[STATE], account, handle, label)
    except Unavailable:
        return await _page(request, account, handle=handle, label=label, status=422,
                           error="That account could not be fetched from its server. Check the handle, "
                                 "or try again later if the server is down.")
    except ServiceError as exc:
        return await _page(request, account, handle=handle, label=label, status=exc.status, error=exc.message)
    return redirect(request, "/settings/links",
                    f"Linked to @{other.acct(request.app[STATE].urls.domain)}. It shows as verified once that "
                    f"account links back to this one.")


@page
async def remove_link(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    await identity_links.unlink(request.app[STATE], account, str(form.get("uri") or "")[:2000])
    return redirect(request, "/settings/links", "Link removed.")


def setup(app: web.Application) -> None:
    app.router.add_get("/settings/links", links_page)
    app.router.add_post("/settings/links", add_link)
    app.router.add_post("/settings/links/remove", remove_link)

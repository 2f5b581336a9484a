"""Admin pages for the federation policy (domain blocks, allowlist mode and its allowed
domains) and the instance settings (name, description, rules, registration mode)."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from fedi.appkeys import STATE
from fedi.config import DEFAULT_VISIBILITIES, REGISTRATION_MODES
from fedi.services import instance_settings, moderation
from fedi.services.errors import ServiceError
from fedi.web.admin import admin_form, form_text, render_admin, require_admin
from fedi.web.render import page, redirect

MODE_LABELS = {
    "open": "Open: anyone can sign up",
    "approval": "Approval: people ask to join, and an admin approves each request",
    "invite": "Invite: only people with an invite link can sign up",
    "closed": "Closed: nobody can sign up",
}


# --------------------------------------------------------------------------- federation

async def _federation_page(request: web.Request, *, error: str = "", status: int = 200,
                           values: dict | None = None) -> web.Response:
    policy = await moderation.federation_policy(request.app[STATE])
    return await render_admin(request, "federation.html", "federation", status=status, policy=policy,
                              error=error, values=values or {})


@page
async def federation(request: web.Request) -> web.Response:
    await require_admin(request)
    return await _federation_page(request)


@page
async def block(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    values = {"domain": form_text(form, "domain", 300), "comment": form_text(form, "comment", 500)}
    try:
        domain, severed = await moderation.block_domain(request.app[STATE], admin, values["domain"],
                                                        values["comment"])
    except ServiceError as exc:
        return await _federation_page(request, error=exc.message, status=exc.status, values=values)
    ended = f" {severed} follow{'s' if severed != 1 else ''} with accounts there ended." if severed else ""
    return redirect(request, "/admin/federation", f"{domain} is blocked.{ended}")


@page
async def unblock(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    domain = await moderation.unblock_domain(request.app[STATE], admin, form_text(form, "domain", 300))
    return redirect(request, "/admin/federation", f"{domain} is no longer blocked.")


@page
async def allowlist(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    on = await moderation.set_allowlist_mode(request.app[STATE], admin, form_text(form, "mode", 10) == "on")
    return redirect(request, "/admin/federation",
                    "Allowlist mode is on: only the allowed domains federate." if on else
                    "Allowlist mode is off: every domain that is not blocked federates.")


@page
async def allow(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    values = {"allow": form_text(form, "domain", 300)}
    try:
        domain = await moderation.allow_domain(request.app[STATE], admin, values["allow"])
    except ServiceError as exc:
        return await _federation_page(request, error=exc.message, status=exc.status, values=values)
    return redirect(request, "/admin/federation", f"{domain} is on the allowed list.")


@page
async def disallow(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    domain = await moderation.disallow_domain(request.app[STATE], admin, form_text(form, "domain", 300))
    return redirect(request, "/admin/federation", f"{domain} was taken off the allowed list.")


# --------------------------------------------------------------------------- instance settings

async def _settings_page(request: web.Request, *, error: str = "", status: int = 200,
                         values: dict | None = None) -> web.Response:
    current = instance_settings.current(request.app[STATE])
    if values is None:
        values = {"name": current.name, "description": current.description, "rules": "\n".join(current.rules),
                  "registrations": current.registrations,
                  **{k: getattr(current, k) for k in instance_settings.ACCOUNT_DEFAULTS}}
    locked, discoverable, visibility = dataclasses.replace(
        current, approve_followers="kind", discoverable="kind", default_visibility="kind").new_accounts()
    return await render_admin(request, "settings.html", "settings", status=status, error=error, values=values,
                              modes=[(m, MODE_LABELS[m]) for m in REGISTRATION_MODES],
                              limits=instance_settings, visibilities=DEFAULT_VISIBILITIES,
                              by_kind={"approve_followers": "yes" if locked else "no",
                                       "discoverable": "yes" if discoverable else "no",
                                       "default_visibility": visibility})


@page
async def settings(request: web.Request) -> web.Response:
    await require_admin(request)
    return await _settings_page(request)


@page
async def save_settings(request: web.Request) -> web.Response:
    _, form = await admin_form(request)
    values = {"name": form_text(form, "name", 1000), "description": form_text(form, "description", 10_000),
              "rules": form_text(form, "rules", 20_000), "registrations": form_text(form, "registrations", 20),
              **{k: form_text(form, k, 20) or "kind" for k in instance_settings.ACCOUNT_DEFAULTS}}
    try:
        await instance_settings.update(request.app[STATE], **values)
    except ServiceError as exc:
        return await _settings_page(request, error=exc.message, status=exc.status, values=values)
    return redirect(request, "/admin/settings", "The instance settings were saved.")


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/federation", federation)
    app.router.add_post("/admin/federation/block", block)
    app.router.add_post("/admin/federation/unblock", unblock)
    app.router.add_post("/admin/federation/allowlist", allowlist)
    app.router.add_post("/admin/federation/allow", allow)
    app.router.add_post("/admin/federation/disallow", disallow)
    app.router.add_get("/admin/settings", settings)
    app.router.add_post("/admin/settings", save_settings)

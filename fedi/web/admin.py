"""Admin pages: what they share (only admins get in; visitors are sent to sign in, others see
a 403 page), and the dashboard. The other sections are in fedi/web/admin_*.py."""

from __future__ import annotations

import time

from datetime import UTC, datetime

from aiohttp import web

from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import admin_overview, moderation
from fedi.services.errors import Forbidden
from fedi.web import security
from fedi.web.render import page, render, require_viewer

SECTIONS = (("dashboard", "Dashboard", "/admin"), ("accounts", "Accounts", "/admin/accounts"),
            ("invites", "Invites", "/admin/invites"), ("federation", "Federation", "/admin/federation"),
            ("reports", "Reports", "/admin/reports"), ("settings", "Instance settings", "/admin/settings"))


async def require_admin(request: web.Request) -> Account:
    """The signed-in admin; visitors are sent to sign in, other accounts get a 403 page."""
    account = await require_viewer(request)
    try:
        return await moderation.check_admin(request.app[STATE], account)
    except Forbidden:
        raise web.HTTPForbidden(text="This page is for the admins of this instance.") from None


async def admin_form(request: web.Request):
    """(the signed-in admin, the posted form after its CSRF check)."""
    admin = await require_admin(request)
    return admin, await security.checked_form(request)


def when(ts: float | None) -> str:
    """A time as the admin pages show it (UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M") if ts else ""


def acct(account: Account) -> str:
    """How the admin pages name an account: the username alone for local ones."""
    return account.username if account.local else f"{account.username}@{account.domain}"


def profile_path(account: Account) -> str:
    return f"/@{account.username}" if account.local else f"/@{account.username}@{account.domain}"


async def render_admin(request: web.Request, template: str, section: str, *, status: int = 200,
                       **context) -> web.Response:
    return await render(request, f"admin/{template}", status=status, section=section, sections=SECTIONS,
                        when=when, acct=acct, profile_path=profile_path, **context)


def form_text(form, name: str, limit: int = 2000) -> str:
    return str(form.get(name) or "").strip()[:limit]


# --------------------------------------------------------------------------- dashboard

@page
async def dashboard(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    found = await admin_overview.dashboard(request.app[STATE], admin)
    now = time.time()
    queues = [{"name": name, **q, "oldest_age": _age(now - q["oldest_pending_at"]) if q["oldest_pending_at"] else ""}
              for name, q in found.queues.items()]
    return await render_admin(request, "dashboard.html", "dashboard", figures=found.figures, queues=queues,
                              failing=found.failing, unavailable=found.unavailable)


def setup(app: web.Application) -> None:
    app.router.add_get("/admin", dashboard)


def _age(seconds: float) -> str:
    """How long ago, roughly: 45 s, 12 min, 3 h, 2 d."""
    seconds = max(0, int(seconds))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"

"""Admin pages for reports: those local accounts filed and those other servers sent as Flag,
with the reported account and posts; resolving, reopening, and suspending or silencing the
reported account from the report."""

from __future__ import annotations

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import admin_overview, moderation
from fedi.services.errors import NotFound
from fedi.web import views
from fedi.web.admin import admin_form, render_admin, require_admin
from fedi.web.render import page, redirect

PAGE_SIZE = 30
SHOWN = (("open", "Open", False), ("resolved", "Resolved", True), ("all", "All", None))
CATEGORIES = {"spam": "Spam", "legal": "Illegal content", "violation": "Rule violation", "other": "Other"}
DONE = {"resolve": "The report is resolved.", "reopen": "The report is open again.",
        "suspend": "The account was suspended and the report resolved.",
        "silence": "The account was silenced and the report resolved."}


@page
async def listing(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    state = request.app[STATE]
    shown = request.query.get("state", "open")
    resolved = {key: flag for key, _, flag in SHOWN}.get(shown, False)
    shown = shown if shown in {key for key, _, _ in SHOWN} else "open"
    paging = views.paging(request, PAGE_SIZE)
    found, people = await admin_overview.reports_page(state, admin, resolved=resolved, limit=PAGE_SIZE,
                                                      max_id=paging["max_id"], min_id=paging["min_id"])
    return await render_admin(request, "reports.html", "reports", reports=found, people=people, shown=shown,
                              tabs=SHOWN, categories=CATEGORIES,
                              pager=views.pager(request, [r["id"] for r in found], PAGE_SIZE))


@page
async def report(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    state = request.app[STATE]
    found = await admin_overview.report(state, admin, request.match_info["id"])
    posts = await views.statuses(state, found.statuses, None, context="thread", keep_hidden=True)
    return await render_admin(request, "report.html", "reports", report=found.report, people=found.people,
                              target=found.target, posts=posts, missing=found.missing,
                              resolver=found.resolver, categories=CATEGORIES)


@page
async def act(request: web.Request) -> web.Response:
    admin, _ = await admin_form(request)
    state = request.app[STATE]
    report_id, action = request.match_info["id"], request.match_info["action"]
    if action == "resolve":
        await moderation.resolve(state, admin, report_id)
    elif action == "reopen":
        await moderation.reopen(state, admin, report_id)
    elif action in moderation.REPORT_ACTIONS:
        await moderation.act_on_report(state, admin, report_id, action)
    else:
        raise NotFound("There is no such action.")
    return redirect(request, f"/admin/reports/{report_id}", DONE[action])


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/reports", listing)
    app.router.add_get("/admin/reports/{id:[0-9A-Za-z_-]{1,40}}", report)
    app.router.add_post("/admin/reports/{id:[0-9A-Za-z_-]{1,40}}/{action:[a-z]{1,20}}", act)

"""Reporting an account (and some of its posts) to the moderators: the form behind the
Report links on posts and profiles. A report about a remote account can also be sent on,
without naming the reporter, to that account's server (see fedi.services.reports)."""

from __future__ import annotations

from aiohttp import web

from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import known_accounts, reports, timelines
from fedi.services.errors import NotFound, ServiceError
from fedi.web import security, views
from fedi.web.profiles import acct_path
from fedi.web.render import page, redirect, render, require_viewer

CATEGORIES = (("spam", "Spam", "Advertising, repeated unwanted messages, fake engagement"),
              ("legal", "Illegal content", "Something that breaks the law where you or the server are"),
              ("other", "Something else", "Harassment, abuse or anything else the moderators should see"))
RECENT = 10  # recent posts offered for attaching to the report
NO_ACCOUNT = "There is no such account to report."


async def _target(state, me: Account, account_id: str) -> Account:
    target = await known_accounts.get(state, str(account_id or "")[:40])
    if target is None or target.suspended:
        raise NotFound(NO_ACCOUNT)
    if target.id == me.id:
        raise ServiceError("You cannot report your own account.")
    return target


async def _posts(state, me: Account, target: Account, chosen: list[str]) -> list[dict]:
    """The chosen posts of the target (when the reader may see them), then its recent ones."""
    recent = await timelines.account_ids(state, me, target, limit=RECENT)
    ids = list(dict.fromkeys([*chosen, *recent]))
    posts = await views.visible(state, ids, me, "account")
    return [p for p in posts if p["account"]["id"] == target.id and not p.get("reblog")]


async def _form(request: web.Request, me: Account, target: Account, *, chosen: list[str], back: str,
                status: int = 200, error: str = "", values: dict | None = None) -> web.Response:
    state = request.app[STATE]
    return await render(request, "report.html", status=status, target=await views.account(state, target),
                        remote=not target.local, target_domain=target.domain, posts=await _posts(
                            state, me, target, chosen), chosen=set(chosen), categories=CATEGORIES,
                        values=values or {"category": "other", "forward": True}, error=error,
                        max_comment=reports.MAX_COMMENT, back=back)


@page
async def report_form(request: web.Request) -> web.Response:
    me = await require_viewer(request)
    state = request.app[STATE]
    target = await _target(state, me, request.query.get("account_id", ""))
    status_id = request.query.get("status_id", "")[:40]
    return await _form(request, me, target, chosen=[status_id] if status_id else [],
                       back=views.back(request, None, acct_path(target)))


@page
async def file_report(request: web.Request) -> web.Response:
    me = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    target = await _target(state, me, form.get("account_id"))
    chosen = [str(i)[:40] for i in form.getall("status_ids", [])][:reports.MAX_STATUSES]
    values = {"category": str(form.get("category") or "other"), "comment": str(form.get("comment") or "").strip(),
              "forward": bool(form.get("forward"))}
    back = views.local_path(form.get("back")) or acct_path(target)
    try:
        await reports.file(state, me, target, status_ids=chosen, comment=values["comment"],
                           category=values["category"], forward=values["forward"] and not target.local)
    except ServiceError as exc:
        return await _form(request, me, target, chosen=chosen, back=back, status=exc.status,
                           error=exc.message, values=values)
    return redirect(request, back, "Thank you. The moderators will look at your report.")


def setup(app: web.Application) -> None:
    app.router.add_get("/report", report_form)
    app.router.add_post("/report", file_report)

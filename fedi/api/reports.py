"""Reports: POST /api/v1/reports files one for the moderators of this instance (and, with
`forward`, sends it on to the reported account's server). The rules are in fedi.services.reports."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.entities import iso
from fedi.api.http import authenticate, error, flag, listed, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import known_accounts, reports

NOT_FOUND = "Record not found"


async def report_entity(state, report: dict, target: Account) -> dict:
    """Mastodon's Report, as its author sees it."""
    rule_ids = report["rule_ids"]
    return {
        "id": report["id"],
        "action_taken": report["action_taken"],
        "action_taken_at": iso(report["action_taken_at"]),
        "category": report["category"],
        "comment": report["comment"],
        "forwarded": report["forwarded"],
        "created_at": iso(report["created_at"]),
        "status_ids": [str(i) for i in report["status_ids"]],
        "rule_ids": [str(i) for i in rule_ids] if rule_ids is not None else None,
        "target_account": await entities.account(state, target),
    }


async def create(request: web.Request) -> web.Response:
    me = (await authenticate(request, "write:reports")).user()
    state = request.app[STATE]
    p = await params(request)
    target = await known_accounts.get(state, str(p.get("account_id") or ""))
    if target is None:
        raise error(404, NOT_FOUND)
    named = "forward_to_domains" in p or "forward_to_domains[]" in p
    report = await reports.file(
        state, me, target, status_ids=[str(i) for i in listed(p, "status_ids")],
        comment=str(p.get("comment") or ""), category=p.get("category") or None,
        rule_ids=listed(p, "rule_ids"), forward=flag(p, "forward"),
        forward_to_domains=[str(d) for d in listed(p, "forward_to_domains")] if named else None,
    )
    return ok(await report_entity(state, report, target))


def setup(app: web.Application) -> None:
    route(app, "POST", "/api/v1/reports", create)

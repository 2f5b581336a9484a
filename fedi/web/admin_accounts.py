"""Admin pages for accounts: finding them, approving sign-ups, suspending, silencing and
promoting; and invite links."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import admin_overview, moderation, registration, reports
from fedi.services.errors import NotFound, ServiceError
from fedi.web.admin import acct, admin_form, form_text, render_admin, require_admin
from fedi.web.render import page, redirect
from fedi.web.views import local_path

PAGE_SIZE = 50
FILTERS = (("local", "Local"), ("remote", "Remote"), ("suspended", "Suspended"), ("silenced", "Silenced"),
           ("admins", "Admins"), ("all", "All"))
ACTIONS = {  # action -> what the notice says was done
    "suspend": "suspended", "unsuspend": "reinstated", "silence": "silenced", "unsilence": "no longer silenced",
    "promote": "made an admin", "demote": "no longer an admin",
}
MAX_USES = (1, 5, 10, 25, 50, 100)
EXPIRIES = ((1800, "30 minutes"), (3600, "1 hour"), (6 * 3600, "6 hours"), (12 * 3600, "12 hours"),
            (86400, "1 day"), (7 * 86400, "7 days"))


def _page_number(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("page", "1")), 10_000))
    except ValueError:
        return 1


@page
async def accounts(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    state = request.app[STATE]
    query = request.query.get("q", "").strip()[:200]
    which = request.query.get("which", "local")
    which = which if which in dict(FILTERS) else "local"
    number = _page_number(request)
    found, stats = await admin_overview.find_accounts(state, admin, query, which,
                                                      offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)

    def link(n: int) -> str:
        return "/admin/accounts?" + urlencode({"q": query, "which": which, "page": n})

    return await render_admin(
        request, "accounts.html", "accounts", query=query, which=which, filters=FILTERS,
        entries=found[:PAGE_SIZE], stats=stats, pending=await registration.list_pending(state),
        older=link(number + 1) if len(found) > PAGE_SIZE else None, newer=link(number - 1) if number > 1 else None)


@page
async def account(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    state = request.app[STATE]
    entry, stats = await admin_overview.account_with_counters(state, admin, request.match_info["id"])
    about = await reports.listing(state, target_account_id=entry["account"].id, limit=20)
    return await render_admin(request, "account.html", "accounts", entry=entry, reports=about, stats=stats,
                              own=entry["account"].id == admin.id)


@page
async def act(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    state = request.app[STATE]
    account_id, action = request.match_info["id"], request.match_info["action"]
    back = local_path(form.get("back")) or f"/admin/accounts/{account_id}"
    entry = await admin_overview.account_entry(state, admin, account_id)
    name = "@" + acct(entry["account"])
    if action == "approve":
        await registration.approve(state, account_id)
        return redirect(request, back, f"{name} was approved and can sign in now.")
    if action == "reject":
        await registration.reject(state, account_id)
        return redirect(request, "/admin/accounts", f"The request of {name} was turned down.")
    if action not in ACTIONS:
        raise NotFound("There is no such action.")
    await moderation.act_on_account(state, admin, account_id, action)
    return redirect(request, back, f"{name} was {ACTIONS[action]}.")


# --------------------------------------------------------------------------- invites

async def _invites_page(request: web.Request, admin, *, error: str = "", status: int = 200) -> web.Response:
    state = request.app[STATE]
    invites, creators = await admin_overview.invites(state, admin)
    return await render_admin(request, "invites.html", "invites", status=status, invites=invites,
                              creators=creators, max_uses=MAX_USES, expiries=EXPIRIES, error=error,
                              mode=await registration.mode(state))


@page
async def invites(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    return await _invites_page(request, admin)


def _choice(form, name: str, allowed) -> int | None:
    """A number picked from `allowed`, or None for "no limit" (an empty value)."""
    value = form_text(form, name, 20)
    if not value:
        return None
    if not value.isdigit() or int(value) not in allowed:
        raise ServiceError("Choose one of the offered values.")
    return int(value)


@page
async def create_invite(request: web.Request) -> web.Response:
    admin, form = await admin_form(request)
    try:
        max_uses = _choice(form, "max_uses", MAX_USES)
        expires_in = _choice(form, "expires_in", [seconds for seconds, _ in EXPIRIES])
        invite = await registration.create_invite(request.app[STATE], admin, max_uses=max_uses,
                                                  expires_in=expires_in)
    except ServiceError as exc:
        return await _invites_page(request, admin, error=exc.message, status=exc.status)
    return redirect(request, "/admin/invites", f"New invite link: {invite['url']}")


@page
async def revoke_invite(request: web.Request) -> web.Response:
    await admin_form(request)
    await registration.delete_invite(request.app[STATE], request.match_info["code"])
    return redirect(request, "/admin/invites", "The invite link was revoked.")


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/accounts", accounts)
    app.router.add_get("/admin/accounts/{id:[0-9A-Za-z_-]{1,40}}", account)
    app.router.add_post("/admin/accounts/{id:[0-9A-Za-z_-]{1,40}}/{action:[a-z]{1,20}}", act)
    app.router.add_get("/admin/invites", invites)
    app.router.add_post("/admin/invites", create_invite)
    app.router.add_post(rf"/admin/invites/{{code:{registration.CODE_PATTERN}}}/revoke", revoke_invite)

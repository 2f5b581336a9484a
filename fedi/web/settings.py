"""Settings of the signed-in account: the profile editor, the password, authorized apps, and
exporting and importing the accounts one follows (CSV in Mastodon's format)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from fedi.api import entities
from fedi.edge.clients import client_address
from fedi.appkeys import STATE
from fedi.services import credentials, follow_import, profile, sessions
from fedi.services.errors import ServiceError
from fedi.services.media import MAX_IMAGE_BYTES
from fedi.web import security
from fedi.web.render import page, redirect, render, require_viewer

SHOWN_FIELDS = 4
VISIBILITIES = ("public", "unlisted", "private", "local")
CSV_NAME = "following_accounts.csv"


def _upload(form, name: str, cap: int) -> tuple[bytes, FileField] | None:
    """The bytes of an uploaded file (at most cap + 1 of them), or None when none was chosen."""
    item = form.get(name)
    if not isinstance(item, FileField) or not item.filename:
        return None
    item.file.seek(0)
    data = item.file.read(cap + 1)
    return (data, item) if data else None


# --------------------------------------------------------------------------- profile

async def _profile_form(request: web.Request, account, *, values: dict | None = None, error: str = "",
                        status: int = 200) -> web.Response:
    state = request.app[STATE]
    doc = await entities.account(state, account, source=True)
    source = doc["source"]
    if values is None:
        values = {"display_name": account.display_name, "note": source["note"],
                  "fields": [{"name": f["name"], "value": f["value"]} for f in source["fields"]],
                  "locked": account.locked, "discoverable": account.discoverable,
                  "privacy": source["privacy"]}
    rows = min(max(SHOWN_FIELDS, len(values["fields"])), profile.MAX_FIELDS)
    fields = values["fields"] + [{"name": "", "value": ""}] * (rows - len(values["fields"]))
    return await render(request, "settings_profile.html", status=status, section="profile", doc=doc,
                        values=values, fields=fields, error=error, visibilities=VISIBILITIES,
                        has_avatar=account.avatar_url is not None, has_header=account.header_url is not None)


@page
async def profile_form(request: web.Request) -> web.Response:
    return await _profile_form(request, await require_viewer(request))


def _posted_profile(form) -> dict:
    fields = []
    for i in range(profile.MAX_FIELDS):
        name = str(form.get(f"field_name_{i}") or "").strip()[:255]
        value = str(form.get(f"field_value_{i}") or "").strip()[:2048]
        if name or value:
            fields.append({"name": name, "value": value})
    return {"display_name": str(form.get("display_name") or "").strip()[:100],
            "note": str(form.get("note") or "").strip()[:2000], "fields": fields,
            "locked": bool(form.get("locked")), "discoverable": bool(form.get("discoverable")),
            "privacy": str(form.get("privacy") or "")}


@page
async def save_profile(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    values = _posted_profile(form)
    source = (await entities.account(state, account, source=True))["source"]
    current = {"display_name": account.display_name, "note": source["note"], "locked": account.locked,
               "discoverable": account.discoverable,
               "fields": [{"name": f["name"], "value": f["value"]} for f in source["fields"]]}
    changes = {k: values[k] for k in current if values[k] != current[k]}
    try:
        for which in ("avatar", "header"):
            upload = _upload(form, which, MAX_IMAGE_BYTES)
            if upload is not None:
                data, item = upload
                changes[f"{which}_url"] = await profile.image_url(state, account, data, item.content_type,
                                                                  item.filename)
            elif form.get(f"remove_{which}") and getattr(account, f"{which}_url") is not None:
                changes[f"{which}_url"] = None
        if changes:
            account, _ = await profile.update_profile(state, account, **changes)
        if values["privacy"] in VISIBILITIES and values["privacy"] != source["privacy"]:
            await profile.set_default_visibility(state, account, values["privacy"])
            changes["privacy"] = values["privacy"]
    except ServiceError as exc:
        return await _profile_form(request, account, values=values, error=exc.message, status=exc.status)
    return redirect(request, "/settings/profile", "Profile saved." if changes else "Nothing to change.")


# --------------------------------------------------------------------------- password

@page
async def password_form(request: web.Request) -> web.Response:
    await require_viewer(request)
    return await render(request, "settings_password.html", section="password")


@page
async def change_password(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    new = str(form.get("new_password") or "")
    try:
        if new != str(form.get("new_password_confirmation") or ""):
            raise ServiceError("The two new passwords are not the same.")
        await credentials.change_password(state, account, str(form.get("current_password") or ""), new,
                                          ip=client_address(request))
    except ServiceError as exc:
        return await render(request, "settings_password.html", status=exc.status, section="password",
                            error=exc.message)
    await sessions.end_others(state, account, request.cookies.get(security.SESSION_COOKIE))
    return redirect(request, "/settings/password",
                    "Password changed. Every other browser signed in to your account was signed out.")


# --------------------------------------------------------------------------- apps

@page
async def apps(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    found = await credentials.authorizations(request.app[STATE], account)
    return await render(request, "settings_apps.html", section="apps", authorizations=found,
                        iso=entities.iso)


@page
async def revoke_app(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    app_id, token_id = str(form.get("app_id") or "")[:30], str(form.get("token_id") or "")[:30]
    await credentials.revoke(request.app[STATE], account, app_id=app_id or None, token_id=token_id or None)
    return redirect(request, "/settings/apps", "Access revoked.")


# --------------------------------------------------------------------------- export and import

@page
async def export_follows(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    body = await follow_import.export_csv(request.app[STATE], account)
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{CSV_NAME}"', "Cache-Control": "private, no-store"})


@page
async def import_form(request: web.Request) -> web.Response:
    await require_viewer(request)
    return await render(request, "settings_import.html", section="import", max_rows=follow_import.MAX_ROWS,
                        max_kib=follow_import.MAX_BYTES // 1024)


@page
async def import_follows(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    form = await security.checked_form(request)
    state = request.app[STATE]
    context = dict(section="import", max_rows=follow_import.MAX_ROWS, max_kib=follow_import.MAX_BYTES // 1024)
    upload = _upload(form, "csv", follow_import.MAX_BYTES)
    try:
        if upload is None:
            raise ServiceError("Choose a CSV file to import.")
        rows = follow_import.parse_csv(upload[0])
    except ServiceError as exc:
        return await render(request, "settings_import.html", status=exc.status, error=exc.message, **context)
    result = await follow_import.import_follows(state, account, rows)
    return await render(request, "settings_import.html", result=result, total=len(rows), **context)


async def settings_index(request: web.Request) -> web.Response:
    return redirect(request, "/settings/profile")


def setup(app: web.Application) -> None:
    app.router.add_get("/settings", settings_index)
    app.router.add_get("/settings/profile", profile_form)
    app.router.add_post("/settings/profile", save_profile)
    app.router.add_get("/settings/password", password_form)
    app.router.add_post("/settings/password", change_password)
    app.router.add_get("/settings/apps", apps)
    app.router.add_post("/settings/apps/revoke", revoke_app)
    app.router.add_get("/settings/export", export_follows)
    app.router.add_get("/settings/import", import_form)
    app.router.add_post("/settings/import", import_follows)

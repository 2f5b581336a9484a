"""Writing in the browser: a new post or reply (text, content warning, visibility, up to four
images with alt text) at /compose, editing and deleting one's own posts. Each is the same
service call the client API makes, so a post from a page federates exactly like one from an app."""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiohttp import web
from aiohttp.web_request import FileField

from fedi.activitypub.html import html_to_text
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import media, statuses
from fedi.services.errors import Forbidden, ServiceError
from fedi.web import security, views
from fedi.web.render import page, redirect, render, require_viewer, viewer_settings

log = logging.getLogger(__name__)
MEDIA_SLOTS = media.MAX_ATTACHMENTS


def _read(field: FileField) -> bytes:
    field.file.seek(0)
    return field.file.read(media.MAX_IMAGE_BYTES + 1)


def _files(form) -> list[tuple[FileField, str]]:
    """The images chosen in the form's slots, each with its alt text."""
    out = []
    for i in range(MEDIA_SLOTS):
        field = form.get(f"media_{i}")
        if isinstance(field, FileField) and field.filename:
            out.append((field, str(form.get(f"alt_{i}") or "").strip()))
    return out


async def _form(request: web.Request, me: Account, *, parent: Status | None = None, editing: Status | None = None,
                values: dict | None = None, error: str = "", status: int = 200) -> web.Response:
    state = request.app[STATE]
    user = await viewer_settings(request)
    parent_doc = editing_doc = None
    if parent is not None:
        found = await views.statuses(state, [parent], me, context="thread", keep_hidden=True)
        parent_doc = found[0] if found else None
    if editing is not None:
        found = await views.statuses(state, [editing], me, context="thread", keep_hidden=True)
        editing_doc = found[0] if found else None
    start = {"status": views.reply_prefix(parent_doc, me) if parent_doc else "",
             "spoiler_text": parent.summary if parent is not None else "",
             "visibility": views.reply_visibility(user, parent), "sensitive": False, "back": ""}
    if editing is not None:
        start.update(status=editing.source or html_to_text(editing.content), spoiler_text=editing.summary,
                     visibility=editing.visibility, sensitive=editing.sensitive)
    start.update(values or {})
    return await render(request, "compose.html", status=status, parent=parent_doc, editing=editing_doc,
                        values=start, error=error, slots=range(MEDIA_SLOTS), post_key=secrets.token_urlsafe(16),
                        max_chars=statuses.MAX_CHARS)


def _values(form) -> dict:
    visibility = str(form.get("visibility") or "")
    return {"status": str(form.get("status") or ""), "spoiler_text": str(form.get("spoiler_text") or "").strip(),
            "visibility": visibility if visibility in views.VISIBILITIES else None,
            "sensitive": form.get("sensitive") == "on", "back": views.local_path(form.get("back")) or ""}


async def _parent(state, me: Account, reply_id) -> Status | None:
    return await views.visible_status(state, str(reply_id), me) if reply_id else None


@page
async def compose_form(request: web.Request) -> web.Response:
    me = await require_viewer(request)
    parent = await _parent(request.app[STATE], me, request.query.get("in_reply_to", "").strip())
    return await _form(request, me, parent=parent)


async def _upload(state, me: Account, files) -> list:
    uploaded = []
    try:
        for field, alt in files:
            data = await asyncio.to_thread(_read, field)
            uploaded.append(await media.upload(state, me, data, field.content_type or "", field.filename or "",
                                               alt or None, None))
    except ServiceError as exc:
        await _discard(state, me, uploaded)
        raise ServiceError(f"{field.filename}: {exc.message}", exc.status) from None
    return uploaded


async def _discard(state, me: Account, uploaded, keep=()) -> None:
    for item in uploaded:
        if item.id not in keep:
            try:
                await media.delete_own(state, me, item.id)
            except ServiceError:
                log.info("upload %s was not removed", item.id)


@page
async def compose(request: web.Request) -> web.Response:
    state = request.app[STATE]
    me = await views.signed_in(request, views.back(request, None, "/compose"))
    form = await security.checked_form(request)
    values = _values(form)
    parent = await _parent(state, me, str(form.get("in_reply_to_id") or "").strip())
    files = _files(form)
    try:
        statuses.check_summary(values["spoiler_text"])  # before anything is uploaded
    except ServiceError as exc:
        return await _form(request, me, parent=parent, values=values, status=exc.status, error=exc.message)
    uploaded = []
    try:
        uploaded = await _upload(state, me, files)
        st = await statuses.create_once(
            state, me, str(form.get("post_key") or "")[:64] or None, body=values["status"],
            visibility=values["visibility"], in_reply_to=parent, summary=values["spoiler_text"],
            sensitive=values["sensitive"], media_ids=[m.id for m in uploaded])
    except ServiceError as exc:
        await _discard(state, me, uploaded)
        again = " Choose your images again." if files else ""
        return await _form(request, me, parent=parent, values=values, status=exc.status, error=exc.message + again)
    if st is None:
        return redirect(request, "/home", "That post was deleted in the meantime.")
    await _discard(state, me, uploaded, keep={a.get("id") for a in st.attachments})  # a repeated submission
    return redirect(request, values["back"] or f"/@{me.username}/{st.id}", "Posted.")


# --------------------------------------------------------------------------- one's own posts

async def _own(request: web.Request, me: Account) -> Status:
    st = await views.visible_status(request.app[STATE], request.match_info["id"], me, original=False)
    if st.account_id != me.id or not st.local or st.reblog_of_id:
        raise Forbidden("Only the author can change this post.")
    return st


@page
async def edit_form(request: web.Request) -> web.Response:
    me = await require_viewer(request)
    return await _form(request, me, editing=await _own(request, me))


@page
async def edit(request: web.Request) -> web.Response:
    state = request.app[STATE]
    me = await views.signed_in(request, f"/statuses/{request.match_info['id']}/edit")
    form = await security.checked_form(request)
    st = await _own(request, me)
    values = _values(form)
    values["visibility"] = st.visibility
    try:
        await statuses.edit(state, me, st, values["status"], summary=values["spoiler_text"],
                            sensitive=values["sensitive"])
    except ServiceError as exc:
        return await _form(request, me, editing=st, values=values, status=exc.status, error=exc.message)
    return redirect(request, values["back"] or f"/@{me.username}/{st.id}", "Saved.")


@page
async def delete(request: web.Request) -> web.Response:
    state = request.app[STATE]
    me = await views.signed_in(request, views.back(request, None, "/home"))
    form = await security.checked_form(request)
    st = await _own(request, me)
    await statuses.delete(state, me, st)
    target = views.back(request, form, f"/@{me.username}")
    if target.split("?")[0].split("#")[0] in (f"/@{me.username}/{st.id}", f"/statuses/{st.id}/edit"):
        target = f"/@{me.username}"  # the post's own page is gone
    return redirect(request, target, "Deleted.")


def setup(app: web.Application) -> None:
    app.router.add_get("/compose", compose_form)
    app.router.add_post("/compose", compose)
    app.router.add_get(r"/statuses/{id:\d+}/edit", edit_form)
    app.router.add_post(r"/statuses/{id:\d+}/edit", edit)
    app.router.add_post(r"/statuses/{id:\d+}/delete", delete)

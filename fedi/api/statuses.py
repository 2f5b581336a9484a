"""Statuses: post, read, edit, delete; favourite, boost, pin, bookmark, mute the thread; a
thread's context; who favourited or boosted a post. Parameters are read here; the rules live
in fedi.services."""

from __future__ import annotations

from aiohttp import web

from fedi.activitypub.audience import LOCAL, normalize
from fedi.api import entities, entities_status
from fedi.api.http import authenticate, error, flag, listed, number, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account, Status
from fedi.services import conversation_mutes, personal, pins, polls, reading, scheduled, threads
from fedi.services import statuses as svc
from fedi.services.errors import NotFound

NOT_FOUND = "Record not found"
REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist."


# --------------------------------------------------------------------------- lookups

async def _reader(request: web.Request) -> tuple:
    auth = await authenticate(request, "read:statuses", required=False)
    return request.app[STATE], auth.account if auth else None


async def _writer(request: web.Request, scope: str = "write:statuses") -> tuple:
    return request.app[STATE], (await authenticate(request, scope)).user()


async def _visible(state, status_id: str, viewer: Account | None) -> Status:
    return await reading.visible_status(state, status_id, viewer, unwrap=False)


async def _target(state, status_id: str, viewer: Account | None) -> Status:
    """The post acted upon: a boost's id stands for the boosted post."""
    return await reading.visible_status(state, status_id, viewer)


async def _render(state, st: Status | None, viewer: Account | None, **kw) -> dict:
    doc = await entities_status.status(state, st, viewer, **kw) if st is not None else None
    if doc is None:
        raise error(404, NOT_FOUND)
    return doc


def _id(request: web.Request) -> str:
    return request.match_info["id"]


# --------------------------------------------------------------------------- parameters

def _visibility(p: dict) -> str | None:
    """The visibility asked for: Mastodon's four, or `local` (also spelled `local_only`);
    `local_only=true` makes any of them local-only."""
    value = p.get("visibility") or None
    if value is not None:
        try:
            value = normalize(str(value))
        except ValueError:
            raise error(422, "Validation failed: Visibility is not included in the list") from None
    return LOCAL if flag(p, "local_only") else value


def _refuse_unsupported(p: dict, *, poll_allowed: bool = False) -> None:
    """What an edit cannot change."""
    if not poll_allowed and (p.get("poll") or any(k.startswith("poll[") for k in p)):
        raise error(422, "editing polls is not supported yet")
    if not poll_allowed and p.get("scheduled_at"):
        raise error(422, "a published post cannot be scheduled")


def _text(p: dict, default: str | None = None, *, media: bool = False) -> str:
    value = p.get("status")
    body = default if value is None and default is not None else str(value or "")
    if not body.strip() and not media:
        raise error(422, "Validation failed: Text can't be blank")
    return body


async def _reply_target(state, me: Account, p: dict) -> Status | None:
    reply_id = p.get("in_reply_to_id")
    if not reply_id:
        return None
    try:
        return await reading.visible_status(state, str(reply_id), me)
    except NotFound:
        raise error(404, REPLY_NOT_FOUND) from None


def _poll(p: dict) -> dict | None:
    """The poll of a new post, sent as JSON (poll: {...}) or as form fields (poll[options][]=...)."""
    poll = p.get("poll") if isinstance(p.get("poll"), dict) else {
        key[5:].split("]", 1)[0]: value for key, value in p.items() if key.startswith("poll[")}
    if not poll:
        return None
    return polls.validated(listed(poll, "options"), poll.get("expires_in"),
                           multiple=flag(poll, "multiple"), hide_totals=flag(poll, "hide_totals"))


async def _post_options(state, me: Account, p: dict) -> dict:
    _refuse_unsupported(p, poll_allowed=True)
    return {
        "poll": _poll(p),
        "body": _text(p, media=bool(listed(p, "media_ids"))),
        "media_ids": [str(i) for i in listed(p, "media_ids")],
        "visibility": _visibility(p),
        "in_reply_to": await _reply_target(state, me, p),
        "summary": str(p.get("spoiler_text") or ""),
        "sensitive": flag(p, "sensitive"),
        "language": p.get("language") or None,
    }


def _edit_options(p: dict, st: Status) -> dict:
    _refuse_unsupported(p)
    sensitive = p.get("sensitive")
    summary = p.get("spoiler_text")
    return {
        "body": _text(p, default=st.source or ""),
        "summary": None if summary is None else str(summary),
        "sensitive": None if sensitive is None else flag(p, "sensitive"),
        "language": p.get("language") or None,
    }


# --------------------------------------------------------------------------- handlers

def _schedule_params(p: dict, options: dict) -> dict:
    """The post parameters kept with a scheduled post (JSON-serialisable)."""
    poll = p.get("poll") if isinstance(p.get("poll"), dict) else None
    if poll is None and options["poll"] is not None:
        poll = {k[5:].split("]", 1)[0]: v for k, v in p.items() if k.startswith("poll[")}
    if poll is not None:
        poll = {"options": listed(poll, "options"), "expires_in": poll.get("expires_in"),
                "multiple": flag(poll, "multiple"), "hide_totals": flag(poll, "hide_totals")}
    return {
        "text": options["body"], "visibility": options["visibility"], "media_ids": options["media_ids"],
        "in_reply_to_id": options["in_reply_to"].id if options["in_reply_to"] else None,
        "spoiler_text": options["summary"], "sensitive": options["sensitive"],
        "language": options["language"], "poll": poll,
    }


async def create(request: web.Request) -> web.Response:
    state, me = await _writer(request)
    p = await params(request)
    options = await _post_options(state, me, p)
    if p.get("scheduled_at"):
        record = await scheduled.schedule(state, me, _schedule_params(p, options),
                                          scheduled.parse_time(p["scheduled_at"]))
        return ok(entities.scheduled_status(record))
    st = await svc.create_once(state, me, request.headers.get("Idempotency-Key"), **options)
    return ok(await _render(state, st, me))


async def show_many(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    ids = [str(i) for i in listed(await params(request), "id")][:40]
    return ok(await entities_status.statuses(state, await reading.visible_statuses(state, ids, viewer), viewer))


async def show(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    return ok(await _render(state, await _visible(state, _id(request), viewer), viewer))


async def delete(request: web.Request) -> web.Response:
    state, me = await _writer(request)
    st = await svc.own_status(state, me, _id(request))
    doc = await _render(state, st, me, source_requested=True)
    await svc.delete(state, me, st)
    return ok(doc)


async def edit(request: web.Request) -> web.Response:
    state, me = await _writer(request)
    st = await svc.own_status(state, me, _id(request))
    await svc.edit(state, me, st, **_edit_options(await params(request), st))
    return ok(await _render(state, await svc.own_status(state, me, st.id), me))


async def history(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    st = await _visible(state, _id(request), viewer)
    doc = await _render(state, st, viewer)
    return ok(entities.status_history(doc, await reading.earlier_versions(state, st)))


async def source(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    st = await _visible(state, _id(request), viewer)
    return ok(entities.status_source(await _render(state, st, viewer, source_requested=True)))


async def context(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    st = await _visible(state, _id(request), viewer)
    up, down = await threads.context(state, st, viewer)
    return ok(entities.context(await entities_status.statuses(state, up, viewer),
                               await entities_status.statuses(state, down, viewer)))


def _action(do, scope: str, lookup=_target):
    """A handler that applies `do(state, me, status)` and answers with the status."""

    async def handler(request: web.Request) -> web.Response:
        state, me = await _writer(request, scope)
        st = await lookup(state, _id(request), me)
        await do(state, me, st)
        return ok(await _render(state, st, me))

    return handler


async def reblog(request: web.Request) -> web.Response:
    state, me = await _writer(request)
    boost = await svc.reblog(state, me, await _target(state, _id(request), me))
    return ok(await _render(state, boost, me))


favourite = _action(svc.favourite, "write:favourites")
unfavourite = _action(svc.unfavourite, "write:favourites")
unreblog = _action(svc.unreblog, "write:statuses")
pin = _action(pins.pin, "write:accounts", _visible)
unpin = _action(pins.unpin, "write:accounts", _visible)
bookmark = _action(personal.bookmark, "write:bookmarks")
unbookmark = _action(personal.unbookmark, "write:bookmarks")
mute = _action(conversation_mutes.mute, "write:mutes")
unmute = _action(conversation_mutes.unmute, "write:mutes")


async def favourited_by(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    st = await _target(state, _id(request), viewer)
    limit = number(await params(request), "limit", 40, 1, 80)
    return ok(await entities.accounts_by_id(state, await reading.favourited_by(state, st, limit)))


async def reblogged_by(request: web.Request) -> web.Response:
    state, viewer = await _reader(request)
    st = await _target(state, _id(request), viewer)
    limit = number(await params(request), "limit", 40, 1, 80)
    return ok(await entities.accounts_by_id(state, await reading.reblogged_by(state, st, limit)))


def setup(app: web.Application) -> None:
    base = "/api/v1/statuses"
    route(app, "POST", base, create)
    route(app, "GET", base, show_many)
    route(app, "GET", base + "/{id}", show)
    route(app, "DELETE", base + "/{id}", delete)
    route(app, "PUT", base + "/{id}", edit)
    for suffix, handler in (("history", history), ("source", source), ("context", context),
                            ("favourited_by", favourited_by), ("reblogged_by", reblogged_by)):
        route(app, "GET", f"{base}/{{id}}/{suffix}", handler)
    for suffix, handler in (("favourite", favourite), ("unfavourite", unfavourite), ("reblog", reblog),
                            ("unreblog", unreblog), ("pin", pin), ("unpin", unpin),
                            ("bookmark", bookmark), ("unbookmark", unbookmark),
                            ("mute", mute), ("unmute", unmute)):
        route(app, "POST", f"{base}/{{id}}/{suffix}", handler)

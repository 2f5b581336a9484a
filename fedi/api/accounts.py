"""Accounts: credentials, profiles, relationships, follows and blocks, and their lists."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from fedi.api import entities, entities_status
from fedi.api.http import (
    authenticate, error, flag, link_header, listed, number, ok, page_args, params, route,
)
from fedi.appkeys import STATE
from fedi.models import Account
from fedi.services import follows, profile, reading, remote, timelines
from fedi.services.media import MAX_IMAGE_BYTES

MAX_FIELDS = 16  # own fields (up to 8 are kept) and, on professional instances, profile labels
MAX_NOTE = 2000  # a private note about an account, as Mastodon


async def _target(request: web.Request) -> Account:
    account = await request.app[STATE].store.accounts.get(request.match_info["id"])
    if account is None or account.suspended:
        raise error(404, "Record not found")
    return account


async def verify_credentials(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    return ok(await entities.account(request.app[STATE], auth.user(), source=True))


def _fields(p: dict) -> list[dict] | None:
    raw = p.get("fields_attributes")
    if raw is None:
        found = {}
        for key, value in p.items():  # form style: fields_attributes[0][name]=...
            if key.startswith("fields_attributes[") and key.endswith("]"):
                index, _, attr = key[len("fields_attributes["):-1].partition("][")
                found.setdefault(index, {})[attr] = value
        if not found:
            return None
        raw = [found[k] for k in sorted(found, key=lambda k: int(k) if k.isdigit() else 0)]
    if isinstance(raw, dict):
        raw = [raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
    if not isinstance(raw, list):
        raise error(422, "fields_attributes must be a list")
    return [{"name": str(f.get("name", "")), "value": str(f.get("value", ""))}
            for f in raw[:MAX_FIELDS] if isinstance(f, dict)]


async def update_credentials(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:accounts")
    state, account = request.app[STATE], auth.user()
    p = await params(request)
    changes = {}
    for key in ("display_name", "note"):
        if key in p:
            changes[key] = str(p[key])
    for key in ("locked", "bot", "discoverable"):
        if key in p:
            changes[key] = flag(p, key)
    fields = _fields(p)
    if fields is not None:
        changes["fields"] = fields
    for key in ("avatar", "header"):
        upload = p.get(key)
        if isinstance(upload, FileField):
            upload.file.seek(0)
            data = upload.file.read(MAX_IMAGE_BYTES + 1)
            changes[f"{key}_url"] = await profile.image_url(state, account, data, upload.content_type,
                                                            upload.filename)
    privacy = p.get("source[privacy]")
    if privacy is None and isinstance(p.get("source"), dict):
        privacy = p["source"].get("privacy")
    if changes:
        account, _ = await profile.update_profile(state, account, **changes)
    if privacy:
        await profile.set_default_visibility(state, account, str(privacy))
    return ok(await entities.account(state, account, source=True))


async def delete_profile_image(request: web.Request) -> web.Response:
    """DELETE /api/v1/profile/avatar or /header: back to the default image."""
    auth = await authenticate(request, "write:accounts")
    state = request.app[STATE]
    account = await profile.remove_image(state, auth.user(), request.match_info["image"])
    return ok(await entities.account(state, account, source=True))


async def get_account(request: web.Request) -> web.Response:
    """One account; a remote one is fetched again first when its copy is old (see remote.refreshed)."""
    await authenticate(request, "read:accounts", required=False)
    state = request.app[STATE]
    return ok(await entities.account(state, await remote.refreshed(state, await _target(request))))


async def lookup(request: web.Request) -> web.Response:
    await authenticate(request, "read:accounts", required=False)
    acct = (await params(request)).get("acct", "").strip().lstrip("@")
    if not acct:
        raise error(422, "acct is required")
    state = request.app[STATE]
    username, _, host = acct.partition("@")
    if host and host.lower() != state.urls.domain:
        account = await state.store.accounts.by_handle(username, host)
    else:
        account = await state.store.accounts.by_handle(username, None)
    if account is None or account.suspended:
        raise error(404, "Record not found")
    return ok(await entities.account(state, account))


async def account_statuses(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses", required=False)
    viewer = auth.account if auth else None
    state, target = request.app[STATE], await _target(request)
    p = await params(request)
    ids = await timelines.account_ids(
        state, viewer, target, pinned=flag(p, "pinned"), exclude_replies=flag(p, "exclude_replies"),
        exclude_reblogs=flag(p, "exclude_reblogs"), only_media=flag(p, "only_media"),
        tagged=p.get("tagged") or None, **page_args(p))
    statuses = await reading.viewable(state, ids, viewer)
    return ok(await entities_status.statuses(state, statuses, viewer), headers=link_header(request, ids))


async def _account_list(request: web.Request, *, followers: bool) -> web.Response:
    await authenticate(request, "read:accounts", required=False)
    state, target = request.app[STATE], await _target(request)
    paging = page_args(await params(request))
    pairs = await state.store.follows.account_page(target.id, followers=followers, **paging)
    body = await entities.accounts_by_id(state, [a for _, a in pairs])
    return ok(body, headers=link_header(request, [f for f, _ in pairs]))


async def followers(request: web.Request) -> web.Response:
    return await _account_list(request, followers=True)


async def following(request: web.Request) -> web.Response:
    return await _account_list(request, followers=False)


async def _relationship(request: web.Request, viewer: Account, target: Account) -> web.Response:
    return ok(await entities.relationship(request.app[STATE], viewer, target))


async def follow(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:follows")
    state, viewer, target = request.app[STATE], auth.user(), await _target(request)
    p = await params(request)
    note = p.get("note") or ""
    notify = flag(p, "notify") if "notify" in p else None
    await follows.follow(state, viewer, target, note=str(note), notify=notify)
    return await _relationship(request, viewer, target)


async def unfollow(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:follows")
    viewer, target = auth.user(), await _target(request)
    await follows.unfollow(request.app[STATE], viewer, target)
    return await _relationship(request, viewer, target)


async def block(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:blocks")
    viewer, target = auth.user(), await _target(request)
    await follows.block(request.app[STATE], viewer, target)
    return await _relationship(request, viewer, target)


async def unblock(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:blocks")
    viewer, target = auth.user(), await _target(request)
    await follows.unblock(request.app[STATE], viewer, target)
    return await _relationship(request, viewer, target)


async def remove_from_followers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:follows")
    viewer, target = auth.user(), await _target(request)
    if await request.app[STATE].store.follows.get(target.id, viewer.id):
        await follows.remove_follower(request.app[STATE], viewer, target)
    return await _relationship(request, viewer, target)


async def set_note(request: web.Request) -> web.Response:
    """A private note about the account, shown only to its writer (an empty one removes it)."""
    auth = await authenticate(request, "write:accounts")
    viewer, target = auth.user(), await _target(request)
    comment = (await params(request)).get("comment")
    comment = "" if comment is None else str(comment)
    if len(comment) > MAX_NOTE:
        raise error(422, f"Validation failed: Comment is too long (maximum is {MAX_NOTE} characters)")
    await request.app[STATE].store.account_notes.set(viewer.id, target.id, comment if comment.strip() else "")
    return await _relationship(request, viewer, target)


async def relationships(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    found = await state.store.accounts.get_many(listed(await params(request), "id"))
    return ok([await entities.relationship(state, viewer, a) for a in found.values()])


async def familiar_followers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    out = []
    for target_id in [str(i) for i in listed(await params(request), "id")][:40]:
        ids = await state.store.follows.familiar_followers(viewer.id, target_id)
        out.append({"id": target_id, "accounts": await entities.accounts_by_id(state, ids)})
    return ok(out)


async def search(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    state = request.app[STATE]
    p = await params(request)
    q = str(p.get("q", "")).strip()
    if not q:
        return ok([])
    limit = number(p, "limit", 40, 1, 80)
    results: list[Account] = []
    if flag(p, "resolve") and "@" in q.lstrip("@"):
        try:
            results.append(await remote.account_by_reference(state, q))
        except Exception:  # noqa: BLE001 - an unresolvable handle is just no result
            pass
    for account in await state.store.accounts.search(q, limit):
        if all(account.id != r.id for r in results):
            results.append(account)
    if flag(p, "following") and auth.account:
        results = [a for a in results if await state.store.follows.get(auth.account.id, a.id)]
    return ok([await entities.account(state, a) for a in results[:limit]])


def setup(app: web.Application) -> None:
    route(app, "GET", "/api/v1/accounts/verify_credentials", verify_credentials)
    route(app, "PATCH", "/api/v1/accounts/update_credentials", update_credentials)
    route(app, "GET", "/api/v1/accounts/lookup", lookup)
    route(app, "GET", "/api/v1/accounts/relationships", relationships)
    route(app, "GET", "/api/v1/accounts/familiar_followers", familiar_followers)
    route(app, "GET", "/api/v1/accounts/search", search)
    route(app, "DELETE", "/api/v1/profile/{image:avatar|header}", delete_profile_image)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}", get_account)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/statuses", account_statuses)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/followers", followers)
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/following", following)
    for name, handler in (("follow", follow), ("unfollow", unfollow), ("block", block),
                          ("unblock", unblock), ("remove_from_followers", remove_from_followers),
                          ("note", set_note)):
        route(app, "POST", rf"/api/v1/accounts/{{id:\d+}}/{name}", handler)

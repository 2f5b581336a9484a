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
from fedi.services import account_notes, follows, known_accounts, profile, reading, remote, timelines
from fedi.services import search as finding
from fedi.services.media import MAX_IMAGE_BYTES

MAX_FIELDS = 16  # own fields (up to 8 are kept) and, on professional instances, profile labels


async def _target(request: web.Request) -> Account:
    account = await known_accounts.unsuspended(request.app[STATE], request.match_info["id"])
    if account is None:
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
    account = await known_accounts.by_acct(state, acct)
    if account is None:
        raise error(404, "Record not found")
    return ok(await entities.account(state, account))


async def account_statuses(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:statuses", required=False)
    viewer = auth.account if auth else None
    state, target = request.app[STATE], await _target(request)
    p, details = await params(request), reading.PageDetails()
    statuses, ids = await timelines.account(
        state, viewer, target, pinned=flag(p, "pinned"), exclude_replies=flag(p, "exclude_replies"),
        exclude_reblogs=flag(p, "exclude_reblogs"), only_media=flag(p, "only_media"),
        tagged=p.get("tagged") or None, details=details, **page_args(p))
    return ok(await entities_status.statuses(state, statuses, viewer, details=details),
              headers=link_header(request, ids))


async def _account_list(request: web.Request, *, followers: bool) -> web.Response:
    await authenticate(request, "read:accounts", required=False)
    state, target = request.app[STATE], await _target(request)
    paging = page_args(await params(request))
    pairs = await follows.follow_page(state, target, followers=followers, **paging)
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
    await follows.drop_follower(request.app[STATE], viewer, target)
    return await _relationship(request, viewer, target)


async def set_note(request: web.Request) -> web.Response:
    """A private note about the account, shown only to its writer (an empty one removes it)."""
    auth = await authenticate(request, "write:accounts")
    viewer, target = auth.user(), await _target(request)
    await account_notes.set_note(request.app[STATE], viewer, target, (await params(request)).get("comment"))
    return await _relationship(request, viewer, target)


async def relationships(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    p = await params(request)
    wanted = [str(i) for i in dict.fromkeys(listed(p, "id"))]
    found = await known_accounts.get_many(state, wanted)
    with_suspended = flag(p, "with_suspended")  # Mastodon 4.3: suspended accounts only when asked
    shown = [found[i] for i in wanted if i in found and (with_suspended or not found[i].suspended)]
    return ok(await entities.relationships(state, viewer, shown))


async def familiar_followers(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:follows")
    state, viewer = request.app[STATE], auth.user()
    target_ids = [str(i) for i in listed(await params(request), "id")][:40]
    familiar = await follows.familiar_followers(state, viewer, target_ids)
    rendered = await entities.accounts_by_id(state, [i for ids in familiar.values() for i in ids])
    by_id = {doc["id"]: doc for doc in rendered}
    return ok([{"id": t, "accounts": [by_id[i] for i in familiar[t] if i in by_id]} for t in target_ids])


async def search(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    state = request.app[STATE]
    p = await params(request)
    q = str(p.get("q", "")).strip()
    if not q:
        return ok([])
    results = await finding.accounts_by_name(
        state, q, resolve=flag(p, "resolve"), limit=number(p, "limit", 40, 1, 80),
        followed_by=auth.account if flag(p, "following") else None)
    return ok(await entities.accounts(state, results))


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

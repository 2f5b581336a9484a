"""Grouped notifications (/api/v2/notifications), the notification policy and requests.

Grouping itself is `fedi.services.notification_groups`. The policy always accepts
everything: notifications are never filtered, so there are no notification requests.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from fedi.api import entities, entities_status
from fedi.api.entities import STATUS_NOTIFICATIONS, iso
from fedi.api.http import authenticate, error, link_header, listed, number, ok, params, route
from fedi.api.notifications import filters_of
from fedi.appkeys import STATE
from fedi.services import notification_groups as groups_service
from fedi.services import notifications as notifications_svc
from fedi.services.notification_groups import Group

DEFAULT_LIMIT, MAX_LIMIT = 40, 80
EXPAND = ("full", "partial_avatars")
# PartialAccountWithAvatar: the Account keys kept by expand_accounts=partial_avatars.
PARTIAL_ACCOUNT_KEYS = ("id", "acct", "locked", "bot", "url", "avatar", "avatar_static")
POLICY_KEYS = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions",
               "for_limited_accounts")
POLICY_VALUES = ("accept", "filter", "drop")


def group_entity(group: Group) -> dict:
    """A NotificationGroup. `most_recent_notification_id` is a number, as Mastodon sends it."""
    doc = {"group_key": group.key, "notifications_count": group.count, "type": group.type,
           "most_recent_notification_id": int(group.most_recent_id)}
    if group.page is not None:
        page_min, page_max, latest = group.page
        doc.update(page_min_id=str(page_min), page_max_id=str(page_max),
                   latest_page_notification_at=iso(latest))
    doc["sample_account_ids"] = list(group.sample_account_ids)
    if group.type in STATUS_NOTIFICATIONS:
        doc["status_id"] = group.status_id
    return doc


def _kept_entity(state, group: Group) -> dict:
    """The group's entity, kept while its page is (the same Group): shared, never changed."""
    kept = state.group_entities.get(group.key)
    if kept is not None and kept[0] is group:
        return kept[1]
    doc = group_entity(group)
    state.group_entities.put(group.key, group, doc)
    return doc


async def grouped_results(state, viewer, groups: list[Group] | tuple[Group, ...], expand: str = "full") -> dict:
    """A GroupedNotificationsResults: each account and status once, then the groups. Groups
    whose status or accounts can no longer be shown are left out."""
    wanted = dict.fromkeys(g.status_id for g in groups if g.type in STATUS_NOTIFICATIONS and g.status_id)
    found = await notifications_svc.statuses_of(state, wanted)
    cache = entities.AccountCache(state)  # the senders, loaded with the statuses' details
    statuses = await entities_status.statuses(state, found, viewer, context="notifications", cache=cache,
                                              also=[a for g in groups for a in g.sample_account_ids])
    shown = {doc["id"] for doc in statuses}
    kept, full, partial = [], {}, {}
    loaded = cache.records  # every sender was asked for above: those missing are gone
    for g in groups:
        if g.type in STATUS_NOTIFICATIONS and g.status_id not in shown:
            continue
        samples = tuple(a for a in g.sample_account_ids if a in loaded)
        if not samples:
            continue
        g = g if samples == g.sample_account_ids else replace(g, sample_account_ids=samples)
        kept.append(g)
        for i, account_id in enumerate(g.sample_account_ids):
            if (expand == "full" or i == 0) and account_id not in full:
                full[account_id] = await cache.entity(account_id)
    if expand == "partial_avatars":
        for g in kept:
            for account_id in g.sample_account_ids[1:]:
                if account_id not in full and account_id not in partial:
                    doc = await cache.entity(account_id)
                    partial[account_id] = {k: doc[k] for k in PARTIAL_ACCOUNT_KEYS}
    body = {"accounts": list(full.values())}
    if expand == "partial_avatars":
        body["partial_accounts"] = list(partial.values())
    body["statuses"] = statuses
    body["notification_groups"] = [_kept_entity(state, g) for g in kept]
    return body


async def index(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, viewer, p = request.app[STATE], auth.user(), await params(request)
    expand = p.get("expand_accounts") or "full"
    if expand not in EXPAND:
        raise error(400, f"Invalid value for 'expand_accounts': '{expand}', "
                         "allowed values are 'full' and 'partial_avatars'")
    page = await groups_service.page(
        state, viewer.id, filters_of(p), groups_service.grouped_types(listed(p, "grouped_types")),
        limit=number(p, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), max_id=p.get("max_id") or None,
        since_id=p.get("since_id") or None, min_id=p.get("min_id") or None)
    body = await grouped_results(state, viewer, page, expand)
    return ok(body, headers=link_header(request, [g.notification.id for g in page]))


async def unread_count(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    p = await params(request)
    count = await groups_service.unread_count(
        request.app[STATE], auth.user().id, filters_of(p), limit=number(p, "limit", 100, 1, 1000),
        grouped=groups_service.grouped_types(listed(p, "grouped_types")))
    return ok({"count": count})


async def show(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, viewer = request.app[STATE], auth.user()
    group = await groups_service.get(state, viewer.id, request.match_info["group_key"])
    body = await grouped_results(state, viewer, [group]) if group is not None else None
    if body is None or not body["notification_groups"]:
        raise error(404, "Record not found")
    return ok(body)


async def dismiss(request: web.Request) -> web.Response:
    auth = await authenticate(request, "write:notifications")
    if not await groups_service.dismiss(request.app[STATE], auth.user().id, request.match_info["group_key"]):
        raise error(404, "Record not found")
    return ok({})


async def accounts(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:notifications")
    state, p = request.app[STATE], await params(request)
    found = await groups_service.members(
        state, auth.user().id, request.match_info["group_key"], limit=number(p, "limit", 40, 1, 80),
        max_id=p.get("max_id") or None, since_id=p.get("since_id") or None, min_id=p.get("min_id") or None)
    if found is None:
        raise error(404, "Record not found")
    body = await entities.accounts_by_id(state, [n.from_account_id for n in found])
    return ok(body, headers=link_header(request, [n.id for n in found]))


def policy_entity() -> dict:
    """A NotificationPolicy: every notification is accepted, none is ever filtered."""
    return {**{key: "accept" for key in POLICY_KEYS},
            "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}}


async def get_policy(request: web.Request) -> web.Response:
    (await authenticate(request, "read:notifications")).user()
    return ok(policy_entity())


async def update_policy(request: web.Request) -> web.Response:
    (await authenticate(request, "write:notifications")).user()
    p = await params(request)
    for key in (*POLICY_KEYS, "for_bots"):
        if key in p and p[key] not in POLICY_VALUES:
            raise error(422, f"Validation failed: {key} must be one of {', '.join(POLICY_VALUES)}")
    return ok(policy_entity())


async def requests(request: web.Request) -> web.Response:
    (await authenticate(request, "read:notifications")).user()
    return ok([])


async def requests_merged(request: web.Request) -> web.Response:
    (await authenticate(request, "read:notifications")).user()
    return ok({"merged": True})


def setup(app: web.Application) -> None:
    # Fixed paths first: the group key route would match them too.
    route(app, "GET", "/api/v2/notifications", index)
    route(app, "GET", "/api/v2/notifications/unread_count", unread_count)
    route(app, "GET", "/api/v2/notifications/policy", get_policy)
    route(app, "PATCH", "/api/v2/notifications/policy", update_policy)
    route(app, "GET", "/api/v2/notifications/{group_key}", show)
    route(app, "POST", "/api/v2/notifications/{group_key}/dismiss", dismiss)
    route(app, "GET", "/api/v2/notifications/{group_key}/accounts", accounts)
    route(app, "GET", "/api/v1/notifications/requests", requests)
    route(app, "GET", "/api/v1/notifications/requests/merged", requests_merged)

"""Profiles, local and remote (`/@user`, `/@user@host`), with their posts, and following:
follow, unfollow and cancel a request from a profile, and following from another server
(the remote-follow form, sending the visitor on to their own server's interaction page)."""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from fedi.api import entities
from fedi.appkeys import STATE
from fedi.edge.clients import wants_activitypub
from fedi.models import Account
from fedi.services import follows, network, remote, timelines
from fedi.services.errors import NotFound, ServiceError
from fedi.web import profile_view, security, views
from fedi.web.render import page, redirect, render, viewer

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")
USER_RE = re.compile(r"^[A-Za-z0-9_.~-]{1,64}$")


def acct_path(account: Account) -> str:
    return f"/@{account.username}" if account.local else f"/@{account.username}@{account.domain}"


async def profile(request: web.Request, account: Account, *, status: int = 200, **extra) -> web.Response:
    """A profile: header, bio, fields, counts, the reader's relationship, and the posts the
    reader may see (pinned ones first), newest first and paged."""
    state = request.app[STATE]
    me = await viewer(request)
    with_replies = request.query.get("with_replies") == "1"
    paging = views.paging(request)
    ids = await timelines.account_ids(state, me, account, exclude_replies=not with_replies, **paging)
    pinned = []
    if not paging["max_id"] and not paging["min_id"]:  # pins the reader may not see are left out
        pinned = await views.visible(state, await timelines.account_ids(state, me, account, pinned=True, limit=None),
                                     me, "account")
    pinned_ids = {d["id"] for d in pinned}
    posts = [d for d in await views.visible(state, ids, me, "account") if d["id"] not in pinned_ids]
    relationship = None
    if me is not None and me.id != account.id:
        relationship = await entities.relationship(state, me, account)
    doc = await views.account(state, account)
    pro, fields = await profile_view.professional_section(state, account, doc["fields"])
    return await render(
        request, "profile.html", status=status, account=doc, local=account.local,
        acct=account.acct(state.urls.domain), relationship=relationship, pro=pro, fields=fields,
        rel_me=profile_view.rel_me(account), connections=await network.connection_count(state, account),
        pinned=pinned, posts=posts, pager=views.pager(request, ids), with_replies=with_replies,
        back=request.path_qs, **extra)


@page
async def profile_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    acct = request.match_info["acct"]
    if wants_activitypub(request):
        account = await views.find_account(state, acct, fetch=False)
        raise web.HTTPFound(state.urls.actor(account.username) if account.local else account.uri)
    account = await remote.refreshed(state, await views.find_account(state, acct))
    canonical = acct_path(account)
    if request.path != canonical:
        query = request.rel_url.raw_query_string
        raise web.HTTPFound(canonical + (f"?{query}" if query else ""))
    return await profile(request, account)


# --------------------------------------------------------------------------- following

@page
async def follow(request: web.Request) -> web.Response:
    state = request.app[STATE]
    account = await views.find_account(state, request.match_info["acct"])
    me = await views.signed_in(request, views.back(request, None, acct_path(account)))
    form = await security.checked_form(request)
    if request.match_info["action"] == "follow":
        made = await follows.follow(state, me, account, note=str(form.get("note") or "").strip())
        name = account.display_name or account.username
        notice = f"You follow {name} now." if made.accepted else f"Request sent to {name}."
    else:
        await follows.unfollow(state, me, account)
        notice = "Done."
    return redirect(request, views.back(request, form, acct_path(account)), notice)


@page
async def remote_follow(request: web.Request) -> web.Response:
    """A visitor from another server follows a local account: off to their own server."""
    state = request.app[STATE]
    account = await views.find_account(state, request.match_info["acct"], fetch=False)
    if not account.local:
        raise NotFound("Follow this account from its own server.")
    form = await security.checked_form(request)
    handle = str(form.get("handle") or "").strip().removeprefix("acct:").lstrip("@")
    username, _, host = handle.partition("@")
    host = host.lower()
    if not USER_RE.match(username) or not HOST_RE.match(host):
        return await profile(request, account, status=422, handle=handle[:200],
                             remote_error="Enter your handle as you@your.server.")
    if host == state.urls.domain:
        return redirect(request, f"/auth/sign_in?next={quote(acct_path(account), safe='')}",
                        "You have an account here: sign in to follow.")
    try:
        template = await remote.interaction_template(state, username, host)
    except ServiceError as exc:
        return await profile(request, account, status=exc.status, handle=handle[:200], remote_error=exc.message)
    target = template.replace("{uri}", quote(account.uri, safe=""))
    # A page that moves on by itself (a redirect after a form post to another site is
    # refused by some browsers under form-action 'self'), with a link to click if not.
    return await render(request, "remote_follow.html", target=target, host=host,
                        account=await views.account(state, account))


ACCT = r"/@{acct:[^/@]+(?:@[^/@]+)?}"


def setup(app: web.Application) -> None:
    app.router.add_get(ACCT, profile_page)
    app.router.add_post(ACCT + "/{action:follow|unfollow}", follow)
    app.router.add_post(ACCT + "/remote_follow", remote_follow)

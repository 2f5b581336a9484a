"""Public pages anyone may read: the landing page with the local timeline, post permalinks
with their thread, and hashtag pages. (`profile` and `status` are also what the federation
routes show a browser that opens an actor or note URL.)"""

from __future__ import annotations

import secrets

from aiohttp import web

from fedi.appkeys import BROWSER_PAGES, STATE
from fedi.edge.clients import wants_activitypub
from fedi.models import Account, Status
from fedi.services import instance_settings, known_accounts, reading, tags, threads, timelines, usage
from fedi.services.errors import NotFound
from fedi.web import profiles, security, views
from fedi.web.render import error_page, page, redirect, render, viewer, viewer_settings

NO_POST = "This post does not exist, or you may not see it."


@page
async def index(request: web.Request) -> web.Response:
    state = request.app[STATE]
    me = await viewer(request)
    items, ids = await timelines.public(state, me, local=True, **views.paging(request))
    people = await usage.directory(state, limit=30)
    return await render(
        request, "index.html", posts=await views.statuses(state, items, me, context="public"),
        pager=views.pager(request, ids), people=await views.accounts(state, people),
        user_count=await usage.local_accounts(state), status_count=await usage.local_posts(state),
        rules=instance_settings.current(state).rules, back=request.path_qs)


async def profile(request: web.Request, account: Account) -> web.Response:
    return await profiles.profile(request, account)


def reply_tree(root: Status, replies: list[Status], docs: dict[str, dict]) -> list[dict]:
    """The replies below `root` as a tree, each level oldest first: [{"post": doc, "replies":
    [...]}]. `replies` come breadth-first (a parent before its replies); one without a document
    in `docs` (filtered away) is left out and its own replies move up to its parent."""
    top: list[dict] = []
    below = {root.uri: top}
    for st in replies:
        siblings = below.get(st.in_reply_to_uri or "", top)
        if st.id in docs:
            node = {"post": docs[st.id], "replies": []}
            siblings.append(node)
            below[st.uri] = node["replies"]
        else:
            below[st.uri] = siblings
    return top


async def status(request: web.Request, account: Account, status_id: str) -> web.Response:
    """A post with its thread: the posts it answers above it, and the replies below it as a
    tree, as far as the reader may see them."""
    state = request.app[STATE]
    me = await viewer(request)
    try:
        st = await reading.visible_status(state, status_id, me, unwrap=False)
    except NotFound:
        return await error_page(request, 404, NO_POST)
    if st.reblog_of_id:
        raise web.HTTPFound(f"/statuses/{st.reblog_of_id}")
    if st.account_id != account.id:
        raise web.HTTPFound(f"/statuses/{st.id}")
    up, down = await threads.context(state, st, me)
    focus = await views.statuses(state, [st], me, context="thread", keep_hidden=True)
    if not focus:
        return await error_page(request, 404, NO_POST)
    around = {d["id"]: d for d in await views.statuses(state, [*up, *down], me, context="thread")}
    user = await viewer_settings(request)
    return await render(
        request, "status.html", post=focus[0], account=focus[0]["account"],
        ancestors=[around[s.id] for s in up if s.id in around],
        replies=reply_tree(st, down, around), back=request.path,
        reply_visibility=views.reply_visibility(user, st), reply_prefix=views.reply_prefix(focus[0], me),
        post_key=secrets.token_urlsafe(16))


@page
async def status_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    account = await views.find_account(state, request.match_info["acct"], fetch=False)
    if wants_activitypub(request):
        if account.local:
            raise web.HTTPFound(state.urls.status(account.username, request.match_info["status_id"]))
        try:  # what anyone may see: a public or unlisted post
            st = await reading.visible_status(state, request.match_info["status_id"], None, unwrap=False)
        except NotFound:
            st = None
        if st is not None and st.account_id == account.id:
            raise web.HTTPFound(st.uri)
        raise web.HTTPNotFound(text='{"error": "no such status"}', content_type="application/json")
    return await status(request, account, request.match_info["status_id"])


@page
async def status_by_id(request: web.Request) -> web.Response:
    """/statuses/:id, as links to a reply's parent use: on to the post's own page."""
    state = request.app[STATE]
    try:  # a boost stands for the post it boosts
        st = await reading.visible_status(state, request.match_info["id"], await viewer(request))
    except NotFound:
        return await error_page(request, 404, NO_POST)
    author = await known_accounts.get(state, st.account_id)
    if author is None:
        return await error_page(request, 404, NO_POST)
    acct = author.username if author.local else f"{author.username}@{author.domain}"
    raise web.HTTPFound(f"/@{acct}/{st.id}")


def _tag(request: web.Request) -> tuple[str, str]:
    found = tags.parse(request.match_info["tag"])
    if found is None:
        raise web.HTTPNotFound(text="There is no such hashtag.")
    return found


@page
async def tag_page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    me = await viewer(request)
    key, written = _tag(request)
    items, ids = await timelines.public(state, me, tag=key, **views.paging(request))
    following = (await tags.show(state, me, written))[1] if me else None
    return await render(request, "tag.html", tag=written, key=key, following=following,
                        posts=await views.statuses(state, items, me, context="public"),
                        pager=views.pager(request, ids), back=request.path_qs)


@page
async def tag_follow(request: web.Request) -> web.Response:
    state = request.app[STATE]
    key, written = _tag(request)
    me = await views.signed_in(request, f"/tags/{key}")
    form = await security.checked_form(request)
    if request.match_info["action"] == "follow":
        await tags.follow(state, me, written)
        notice = f"Posts with #{written} now appear on your home timeline."
    else:
        await tags.unfollow(state, me, written)
        notice = f"You no longer follow #{written}."
    return redirect(request, views.back(request, form, f"/tags/{key}"), notice)


class _BrowserPages:
    """What the ActivityPub URLs of profiles and posts show a browser."""

    profile = staticmethod(profile)
    status = staticmethod(status)


def setup(app: web.Application) -> None:
    app[BROWSER_PAGES] = _BrowserPages()
    app.router.add_get("/", index)
    app.router.add_get(r"/@{acct:[^/@]+(?:@[^/@]+)?}/{status_id:\d+}", status_page)
    app.router.add_get(r"/statuses/{id:\d+}", status_by_id)
    app.router.add_get("/tags/{tag}", tag_page)
    app.router.add_post(r"/tags/{tag}/{action:follow|unfollow}", tag_follow)

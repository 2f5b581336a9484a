"""What page templates show: statuses and accounts as the client API renders them (one
batched renderer for both faces), plus what only pages need: their paths, paging links,
the page to go back to after a form, and finding an account named in a path."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from fedi.api import entities, entities_status
from fedi.appkeys import STATE
from fedi.edge.redirects import local_target
from fedi.models import Account, Status
from fedi.services import known_accounts, reading, remote
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.web.render import viewer

PAGE_SIZE = 20


def _page_links(doc: dict) -> dict:
    account = doc["account"]
    doc["profile_path"] = f"/@{account['acct']}"
    doc["page_path"] = f"/@{account['acct']}/{doc['id']}"
    return doc


def _filter_titles(doc: dict, action: str) -> list[str]:
    return [r["filter"]["title"] for r in doc.get("filtered") or [] if r["filter"]["filter_action"] == action]


async def _reply_links(state, docs: list[dict]) -> None:
    """Give each reply (boosted ones too) `in_reply_to_acct`, whom it answers (None when that
    account is unknown here or suspended), and `in_reply_to_path`, the page of the post it answers."""
    posts = [d for doc in docs for d in (doc, doc.get("reblog")) if d and d.get("in_reply_to_id")]
    authors = await known_accounts.get_many(state, [d.get("in_reply_to_account_id") for d in posts])
    for d in posts:
        author = authors.get(d.get("in_reply_to_account_id") or "")
        if author is None or author.suspended:
            d["in_reply_to_acct"], d["in_reply_to_path"] = None, f"/statuses/{d['in_reply_to_id']}"
        else:
            d["in_reply_to_acct"] = entities.acct(author)
            d["in_reply_to_path"] = f"/@{d['in_reply_to_acct']}/{d['in_reply_to_id']}"


async def statuses(state, items: list[Status], viewer: Account | None, *, context: str = "home",
                   keep_hidden: bool = False, details: reading.PageDetails | None = None) -> list[dict]:
    """Mastodon Status documents, each with `page_path`/`profile_path` (boosted ones too);
    `context` picks which of the viewer's filters apply (home, public, thread, account, notifications).
    Posts a `hide` filter matches are left out (unless `keep_hidden`); `filter_warnings` names
    the `warn` filters that match, so the page can fold the post away. `details`: as reading
    the page kept them (reading.visible_statuses)."""
    docs = await entities_status.statuses(state, items, viewer, context=context, details=details)
    await _reply_links(state, docs)
    out = []
    for doc in docs:
        _page_links(doc)
        if doc.get("reblog"):
            _page_links(doc["reblog"])
        if _filter_titles(doc, "hide") and not keep_hidden:
            continue
        doc["filter_warnings"] = _filter_titles(doc, "warn")
        doc["own"] = viewer is not None and doc["account"]["id"] == viewer.id
        out.append(doc)
    return out


async def visible(state, ids: list[str], viewer: Account | None, context: str = "home") -> list[dict]:
    """The statuses with these ids that `viewer` may see, rendered (the client API's rules)."""
    return await statuses(state, await reading.visible_statuses(state, ids, viewer, context), viewer,
                          context=context)


async def accounts(state, items: list[Account]) -> list[dict]:
    docs = await entities.accounts(state, items)
    for doc in docs:
        doc["profile_path"] = f"/@{doc['acct']}"
    return docs


async def account(state, item: Account) -> dict:
    return (await accounts(state, [item]))[0]


# --------------------------------------------------------------------------- paging

def paging(request: web.Request, limit: int = PAGE_SIZE) -> dict:
    """max_id / min_id from the query, as the store's keyset paging takes them."""
    q = request.query
    return {"max_id": q.get("max_id", "")[:40] or None, "min_id": q.get("min_id", "")[:40] or None,
            "limit": limit}


def pager(request: web.Request, keys: list[str], limit: int = PAGE_SIZE) -> dict:
    """Links to the older and newer pages around `keys` (the page's paging keys, newest first)."""
    keep = [(k, v) for k, v in request.query.items() if k not in ("max_id", "min_id")]

    def link(name: str, value: str) -> str:
        return f"{request.path}?{urlencode([*keep, (name, value)])}"

    came_newer, came_older = bool(request.query.get("min_id")), bool(request.query.get("max_id"))
    older = link("max_id", keys[-1]) if keys and (len(keys) >= limit or came_newer) else None
    newer = link("min_id", keys[0]) if keys and (came_older or (came_newer and len(keys) >= limit)) else None
    if not keys and (came_older or came_newer):
        newer = request.path + (f"?{urlencode(keep)}" if keep else "")  # past the end: back to the start
    return {"older": older, "newer": newer}


# --------------------------------------------------------------------------- going back

def local_path(value) -> str | None:
    """`value` as a path on this site (never another host), else None."""
    return local_target(value, "") or None


def back(request: web.Request, form=None, default: str = "/home") -> str:
    """Where a form sends the browser afterwards: its `back` field, else the page it was
    posted from (the Referer, when it is this site), else `default`."""
    if form is not None and local_path(form.get("back")):
        return local_path(form.get("back"))
    referer = request.headers.get("Referer", "")
    base = request.app[STATE].urls.base
    if referer.startswith(base + "/"):
        found = local_path(referer[len(base):])
        if found:
            return found
    return default


# --------------------------------------------------------------------------- accounts in paths

def split_acct(state, acct: str) -> tuple[str, str | None]:
    """("alice", None) for a local account, ("bob", "host") for a remote one."""
    username, _, host = acct.lstrip("@").partition("@")
    host = host.lower() or None
    return username, None if host == state.urls.domain else host


async def find_account(state, acct: str, *, fetch: bool = True) -> Account:
    """The account named `user` or `user@host`; a remote one unknown here is looked up through
    federation when `fetch`. NotFound (404) when there is none, or it cannot be reached."""
    username, host = split_acct(state, acct)
    if not username:
        raise NotFound("There is no such account.")
    if host is None:
        account = await known_accounts.by_handle(state, username)
        if account is None or account.suspended:
            raise NotFound(f"There is no account @{username} here.")
        return account
    if state.domain_blocked(host):  # its accounts, known here or not, are not shown
        raise ServiceError(f"{host} is blocked on this server.", 403)
    account = await known_accounts.by_handle(state, username, host)
    if account is not None and not account.suspended:
        return account
    if account is None and fetch:
        try:
            account = await remote.account_by_handle(state, username, host)
        except (NotFound, Unavailable):
            account = None
    if account is None or account.suspended:
        raise NotFound(f"@{username}@{host} could not be found. Check the spelling of the handle, "
                       f"or try again later if their server is down.")
    return account


async def signed_in(request: web.Request, next_path: str) -> Account:
    """The signed-in account posting a form; a visitor is sent to sign in first, and from
    there on to `next_path` (a page: after signing in the browser GETs it)."""
    account = await viewer(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?next={quote(local_path(next_path) or '/', safe='')}")
    return account


# --------------------------------------------------------------------------- posting

# From the widest audience to the narrowest; local-only sits between unlisted and followers-only.
VISIBILITIES = ("public", "unlisted", "local", "private", "direct")


def reply_visibility(user, parent: Status | None) -> str:
    """The visibility a new post starts with: the author's default, narrowed to the
    parent's when replying to a less public post (as Mastodon does). A reply to a
    local-only post is local-only whatever the default."""
    default = user.default_visibility if user and user.default_visibility in VISIBILITIES else "public"
    if parent is None or parent.visibility not in VISIBILITIES:
        return default
    if parent.visibility == "local" or VISIBILITIES.index(parent.visibility) > VISIBILITIES.index(default):
        return parent.visibility
    return default


def reply_prefix(doc: dict, me: Account | None) -> str:
    """The mentions a reply to the status document `doc` starts with: its author and the
    people it mentions, leaving out the one replying."""
    accts = [doc["account"]["acct"], *(m["acct"] for m in doc.get("mentions") or [])]
    own = {me.username} if me is not None else set()
    return "".join(f"@{a} " for a in dict.fromkeys(accts) if a not in own)


async def visible_status(state, status_id: str, me: Account | None, *, original: bool = True) -> Status:
    """The status `me` may see with this id (for a boost, with `original`, the boosted post);
    NotFound otherwise."""
    try:
        return await reading.visible_status(state, status_id, me, unwrap=original)
    except NotFound:
        raise NotFound("This post does not exist, or you may not see it.") from None

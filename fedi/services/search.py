"""Search: accounts by name or handle (resolving remote ones through WebFinger) and, on a
professional instance, by skill; a post by its URL, hashtags by prefix. Shared by the client
API's /api/v2/search and the web pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from fedi.models import Account, Status
from fedi.services import remote, remote_notes
from fedi.services.errors import ServiceError
from fedi.services.state import State
from fedi.services.visibility import can_view
from fedi.urls import split_url

KINDS = ("accounts", "statuses", "hashtags")
PROFILE_PATH_RE = re.compile(r"^/@([A-Za-z0-9_.-]+)(?:@([A-Za-z0-9.:-]+))?/?$")
STATUS_PATH_RE = re.compile(r"^/@[A-Za-z0-9_.-]+/(\d+)/?$")
MAX_QUERY = 500


@dataclass
class Results:
    accounts: list[Account] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)


def is_url(q: str) -> bool:
    return q.startswith(("http://", "https://"))


def account_reference(text: str) -> str:
    """What a person typed to name an account, as `remote.account_by_reference` takes it:
    `@user@host`, `user@host`, `acct:user@host`, a profile page URL (`https://host/@user`, read
    as the handle user@host) or an actor URL."""
    ref = str(text or "").strip()[:MAX_QUERY]
    if ref.lower().startswith("acct:"):
        ref = ref[5:]
    parts = split_url(ref) if is_url(ref) else None
    if parts is not None:
        found = PROFILE_PATH_RE.match(unquote(parts.path))
        if found and not parts.query:
            username, host = found.groups()
            return f"{username}@{host or parts.netloc}"
        return ref
    return ref if ref.startswith("@") else ref and f"@{ref}"


async def resolve_account(state: State, text: str) -> Account:
    """The account a handle or URL names, looked up through WebFinger and fetched when it lives
    elsewhere (ServiceError when it cannot be found)."""
    ref = account_reference(text)
    if not ref.lstrip("@"):
        raise ServiceError("Type a handle such as @name@example.social, or a profile address.")
    return await remote.account_by_reference(state, ref)


async def accounts(state: State, q: str, *, resolve: bool, limit: int = 20) -> list[Account]:
    """Accounts for a query: the one a handle or URL names (fetched from its server when
    `resolve`, else only if already known), then local and known accounts by name."""
    found: list[Account] = []
    handle = q.lstrip("@")
    if "@" in handle or is_url(q):
        try:
            if resolve:
                found.append(await resolve_account(state, q))
            else:
                known = await _known_account(state, q)
                if known is not None:
                    found.append(known)
        except ServiceError:
            pass
    if not is_url(q):
        found += await state.store.accounts.search(q, limit)
        if state.config.professional and "@" not in handle:
            # on a professional instance, people are found by their skills too
            ids = await state.store.professional_profiles.with_skill(q.strip().lstrip("#"), limit)
            known = await state.store.accounts.get_many(ids)
            found += [known[i] for i in ids if i in known and not known[i].suspended]
    return list({a.id: a for a in found}.values())[:limit]


async def _known_account(state: State, q: str) -> Account | None:
    ref = account_reference(q)
    if is_url(ref):
        return await state.store.accounts.by_uri(ref)
    user, _, host = ref.lstrip("@").partition("@")
    host = host.lower()
    account = await state.store.accounts.by_handle(user, None if host in ("", state.urls.domain) else host)
    return None if account is None or account.suspended else account


def local_status_id(state: State, url: str) -> str | None:
    """The id of a local post named by its ActivityPub id or its page (/@user/ID)."""
    found = state.urls.status_id_of(url)
    if found is None and url.startswith(state.urls.base + "/"):
        page = STATUS_PATH_RE.match(urlsplit(url).path)
        found = page.group(1) if page else None
    return found


async def status_by_url(state: State, url: str, *, resolve: bool) -> Status | None:
    """The post at `url`: known already, local, or (when `resolve`) fetched from its server."""
    status = await state.store.statuses.by_uri(url)
    if status is None:
        local_id = local_status_id(state, url)
        if local_id:
            status = await state.store.statuses.get(local_id)
    if status is None and resolve and not state.urls.is_local(url):
        try:
            status = await remote_notes.by_uri(state, url)
        except ServiceError:
            return None
    return status


async def hashtags(state: State, q: str, limit: int = 20) -> list[str]:
    name = q.strip().lstrip("#")
    if not name or is_url(q):
        return []
    return await state.store.statuses.search_tags(name, limit)


async def search(state: State, q: str, viewer: Account | None, *, kind: str | None = None,
                 resolve: bool = False, limit: int = 20) -> Results:
    """Everything a query finds that `viewer` may see. Resolving reaches out to other servers,
    so it is only done for signed-in viewers."""
    q = str(q or "").strip()[:MAX_QUERY]
    resolve = resolve and viewer is not None
    results = Results()
    if not q:
        return results
    if kind in (None, "accounts"):
        results.accounts = await accounts(state, q, resolve=resolve, limit=limit)
    if kind in (None, "statuses") and is_url(q):
        status = await status_by_url(state, q, resolve=resolve)
        if status is not None and await can_view(state.store, status, viewer):
            results.statuses = [status]
    if kind in (None, "hashtags"):
        results.hashtags = await hashtags(state, q, limit)
    return results


async def accounts_by_name(state: State, q: str, *, resolve: bool, limit: int,
                           followed_by: Account | None = None) -> list[Account]:
    """Accounts for a name or handle, as a client's account search finds them: the account a
    handle names (fetched from its server when `resolve`), then known accounts by name; with
    `followed_by`, only those that account follows or has asked to follow."""
    found: list[Account] = []
    if resolve and "@" in q.lstrip("@"):
        try:
            found.append(await remote.account_by_reference(state, q))
        except Exception:  # noqa: BLE001 - an unresolvable handle is just no result
            pass
    for account in await state.store.accounts.search(q, limit):
        if all(account.id != f.id for f in found):
            found.append(account)
    if followed_by is not None:
        followed = await state.store.follows.followed_among(followed_by.id, [a.id for a in found],
                                                            requested=True)
        found = [a for a in found if a.id in followed]
    return found[:limit]

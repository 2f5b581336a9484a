"""Verified profile links: rel="me" pages and linked accounts.

A profile field whose value is a single http(s) link is verified when what it links to links
back. A link to an account (its profile page or actor: one this server knows, or one the
account lists in alsoKnownAs) is verified by fetching that actor afresh and finding this
account in its alsoKnownAs or in one of its field links; such a link is checked again whenever
either side changes, and loses its mark when the other side no longer links back. Any other
link is verified when its page links back with rel="me" (an <a> or <link> whose href is the
account's profile URL or actor URI) and keeps its mark until its value changes. The checks run
as durable jobs; each field keeps its own `verified_at`.
"""

from __future__ import annotations

import logging
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from fedi.models import Account, Job
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.services import queues
from fedi.services.state import State
from fedi.urls import split_url

log = logging.getLogger(__name__)

QUEUE = queues.VERIFY_LINKS
FIRST_SIGHT_DELAY = 300.0  # seconds (plus as much again at random)
RECHECK_EVERY = 24 * 3600.0  # links to other accounts are checked again at least this often
RECHECKED_KEY = "links.rechecked_at"
MAX_FETCHES = 10  # pages and actors fetched for one account's check, at most
_BARE_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)


# --------------------------------------------------------------------------- parsing

class _FieldLinks(HTMLParser):
    """The hrefs of a field value's links and the text outside them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.outside: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if not self._depth:
            self.outside.append(data)


def field_link(value: str) -> str | None:
    """The http(s) URL a field value consists of (its one link, or a bare URL), else None."""
    if not value or not isinstance(value, str):
        return None
    parser = _FieldLinks()
    try:
        parser.feed(value)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; anything odd is simply not a link
        return None
    outside = "".join(parser.outside).strip()
    if len(parser.hrefs) == 1 and not outside:
        url = parser.hrefs[0].strip()
    elif not parser.hrefs and _BARE_URL_RE.fullmatch(outside):
        url = outside
    else:
        return None
    parts = split_url(url)
    return url if parts is not None and parts.scheme.lower() in ("http", "https") and parts.netloc else None


def normalize(url: str) -> str:
    """A URL for comparison: scheme and host lowercase, no fragment, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


class _RelMe(HTMLParser):
    """The hrefs of <a> and <link> elements whose rel contains "me"."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        href = values.get("href")
        if "me" in rel and href:
            self.hrefs.append(urljoin(self.base, href.strip()))

    handle_startendtag = handle_starttag


def links_back(page: str, page_url: str, targets: list[str]) -> bool:
    """Whether the HTML page links to one of `targets` with rel="me"."""
    wanted = {normalize(t) for t in targets if t}
    wanted.discard("")
    parser = _RelMe(page_url)
    try:
        parser.feed(page)
        parser.close()
    except Exception:  # noqa: BLE001 - whatever was found before the parser gave up still counts
        pass
    return any(normalize(href) in wanted for href in parser.hrefs)


# --------------------------------------------------------------------------- field bookkeeping

def carry_over(old_fields: list[dict] | None, new_fields: list[dict]) -> list[dict]:
    """New fields, each keeping the `verified_at` of an old field with the same name and value;
    a field whose value changed is unverified."""
    kept = {(f.get("name"), f.get("value")): f["verified_at"]
            for f in old_fields or [] if isinstance(f, dict) and f.get("verified_at")}
    out = []
    for f in new_fields:
        f = {k: v for k, v in f.items() if k != "verified_at"}
        at = kept.get((f.get("name"), f.get("value")))
        if at:
            f["verified_at"] = at
        out.append(f)
    return out


def needs_check(fields: list[dict]) -> bool:
    """Whether some link field has yet to be verified."""
    return any(not f.get("verified_at") and field_link(f.get("value", "")) for f in fields)


async def enqueue(state: State, account_id: str, tx=None, *, delay: float = 0.0, recheck: bool = False) -> None:
    """Queue a check of the account's link fields, `delay` seconds from now (inside `tx` when
    given; the caller then wakes the queue after committing). Without `recheck` only
    unverified links are checked; with it, links to accounts are checked again too."""
    jobs = (tx or state.store).jobs
    payload = {"account_id": account_id, **({"recheck": True} if recheck else {})}
    await jobs.enqueue(QUEUE, payload, run_at=time.time() + delay if delay else None)
    if tx is None and not delay:
        state.notify_queue(QUEUE)


async def enqueue_linking(state: State, account: Account, tx=None) -> int:
    """Queue a fresh check for every other account whose links or aliases name this one (its
    change may make or break their claim): any account for a local one, local accounts for a
    remote one (what remote accounts claim about each other is their servers' business).
    Returns how many were queued."""
    targets = [t for t in (account.uri, account.url) if t]
    found = await (tx or state.store).accounts.linking_to(targets, local_only=not account.local)
    ids = [i for i in found if i != account.id]
    for account_id in ids:
        await enqueue(state, account_id, tx, recheck=True)
    if ids and tx is None:
        state.notify_queue(QUEUE)
    return len(ids)


async def recheck_linked(state: State, now: float | None = None) -> int:
    """A housekeeping chore: once a day, check again the links of local accounts that are
    linked to others (the other side may have changed without telling this server, as
    servers only send profile updates to followers). Returns how many checks were queued."""
    now = time.time() if now is None else now
    last = await state.store.settings.get(RECHECKED_KEY)
    if last is not None and now - float(last) < RECHECK_EVERY:
        return 0
    await state.store.settings.set(RECHECKED_KEY, repr(now))
    ids = [a.id for a in await state.store.accounts.list_local() if a.also_known_as and not a.suspended]
    for account_id in ids:
        await enqueue(state, account_id, recheck=True)
    return len(ids)


def links_changed(stored: Account | None, fresh: Account) -> bool:
    """Whether an actor's aliases or field links differ between two copies."""
    if stored is None:
        return bool(fresh.also_known_as or any(field_link(f.get("value", "")) for f in fresh.fields))
    def shape(a):
        return (sorted(a.also_known_as), [field_link(f.get("value", "")) for f in a.fields])
    return shape(stored) != shape(fresh)


def remote_check_delay(stored: Account | None, fresh: Account) -> float | None:
    """For a remote actor about to be stored: keep the verification of its unchanged fields
    (updating `fresh`), and say when its links should be checked once it is stored: None for
    not at all, 0 for now (its fields changed), later for an actor seen for the first time
    (actors are discovered in bursts, on busy paths; their links can wait a little)."""
    fresh.fields = carry_over(stored.fields if stored else [], fresh.fields)
    if not needs_check(fresh.fields):
        return None
    if stored is None:
        return FIRST_SIGHT_DELAY + random.uniform(0, FIRST_SIGHT_DELAY)
    old = [(f.get("name"), f.get("value")) for f in stored.fields]
    new = [(f.get("name"), f.get("value")) for f in fresh.fields]
    return 0.0 if old != new else None


# --------------------------------------------------------------------------- the check

def names_account(other: Account, account: Account) -> bool:
    """Whether `other` links back to `account`: lists it in alsoKnownAs, or has a field
    linking to its profile page or actor."""
    if account.uri in other.also_known_as:
        return True
    wanted = {normalize(t) for t in (account.url, account.uri) if t} - {""}
    return any(normalize(field_link(f.get("value", "")) or "") in wanted for f in other.fields)


async def _account_at(state: State, account: Account, url: str) -> Account | None:
    """The account a link points to (its profile page or actor), if it is one we know or one
    the account lists in alsoKnownAs."""
    found = await state.store.accounts.by_url(url)
    if found is None and url in account.also_known_as and state.resolver is not None:
        try:
            found = await state.resolver.actor(url)
        except (NotFound, Unavailable, ServiceError):
            return None
    return found if found is not None and found.id != account.id else None


async def _reciprocated(state: State, account: Account, other: Account) -> bool | None:
    """Whether the linked account links back, read from a fresh copy of its actor: None when
    that copy cannot be had just now (the last verdict then stands)."""
    if not other.local:
        try:
            other = await state.resolver.actor(other.uri, refresh=True)
        except NotFound:
            return False
        except (Unavailable, ServiceError) as exc:
            log.info("linked actor %s not refreshed: %s", other.uri, exc)
            return None
    if other.suspended:
        return False
    return names_account(other, account)


async def verify(state: State, account: Account, *, recheck: bool = False) -> dict[tuple[str, str], float | None]:
    """Check the account's link fields: (name, value) -> the time it was verified, or None
    when a link to an account no longer holds. Links to accounts are verified by fetching that
    actor and finding a link back; other links by a rel="me" link back on their page.
    Without `recheck`, links verified before are left as they are."""
    resolver = state.resolver
    if resolver is None:
        return {}
    targets = [t for t in (account.url, account.uri) if t]
    verdicts: dict[tuple[str, str], float | None] = {}
    pages: dict[str, bool | None] = {}
    for f in account.fields:
        value = f.get("value", "")
        url = field_link(value)
        if url is None or (f.get("verified_at") and not recheck):
            continue
        if url not in pages and len(pages) >= MAX_FETCHES:
            break  # a profile with more links than that keeps the rest as they are
        if url not in pages:
            other = await _account_at(state, account, url)
            if other is not None:
                pages[url] = await _reciprocated(state, account, other)
            elif f.get("verified_at"):
                pages[url] = None  # a page verified before stays verified until its link changes
            else:
                page = await resolver.fetch_html(url)
                pages[url] = page is not None and links_back(page, url, targets)
        if pages[url] is True and not f.get("verified_at"):
            verdicts[(f.get("name", ""), value)] = time.time()
        elif pages[url] is False and f.get("verified_at"):
            verdicts[(f.get("name", ""), value)] = None
    return verdicts


def make_handler(state: State):
    async def check(job: Job) -> None:
        account = await state.store.accounts.get(job.payload.get("account_id", ""))
        if account is None or account.suspended:
            return
        verdicts = await verify(state, account, recheck=bool(job.payload.get("recheck")))
        if not verdicts:
            return

        async def write(tx):
            current = await tx.accounts.get(account.id)
            if current is None:
                return
            fields, changed = [], False
            for f in current.fields:
                key = (f.get("name", ""), f.get("value", ""))
                if key in verdicts and bool(verdicts[key]) != bool(f.get("verified_at")):
                    f = {k: v for k, v in f.items() if k != "verified_at"}
                    if verdicts[key]:
                        f["verified_at"] = verdicts[key]
                    changed = True
                fields.append(f)
            if changed:
                await tx.accounts.update(account.id, fields=fields)

        await state.store.atomic(write)
        log.info("profile links of %s: %d verified, %d no longer", account.uri,
                 sum(1 for v in verdicts.values() if v), sum(1 for v in verdicts.values() if not v))

    return check

"""Verified profile links ("rel=me").

A profile field whose value is a single http(s) link is verified when the page at that link
links back to the account with rel="me" (an <a> or <link> whose href is the account's profile
URL or actor URI). The check runs as a durable job after the fields change; each field keeps
its own `verified_at` until its value changes.
"""

from __future__ import annotations

import logging
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from fedi.models import Account, Job
from fedi.services.state import State

log = logging.getLogger(__name__)

QUEUE = "verify_links"
FIRST_SIGHT_DELAY = 300.0  # seconds (plus as much again at random)
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
    return url if urlsplit(url).scheme.lower() in ("http", "https") and urlsplit(url).netloc else None


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


async def enqueue(state: State, account_id: str, tx=None, *, delay: float = 0.0) -> None:
    """Queue a check of the account's unverified link fields, `delay` seconds from now (inside
    `tx` when given; the caller then wakes the queue after committing)."""
    jobs = (tx or state.store).jobs
    await jobs.enqueue(QUEUE, {"account_id": account_id}, run_at=time.time() + delay if delay else None)
    if tx is None and not delay:
        state.notify_queue(QUEUE)


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

async def verify(state: State, account: Account) -> dict[tuple[str, str], float]:
    """Check the account's unverified link fields: (name, value) -> time, for those verified."""
    resolver = state.resolver
    if resolver is None or not hasattr(resolver, "fetch_html"):
        return {}
    targets = [t for t in (account.url, account.uri) if t]
    verified: dict[tuple[str, str], float] = {}
    pages: dict[str, bool] = {}
    for f in account.fields:
        value = f.get("value", "")
        url = field_link(value)
        if url is None or f.get("verified_at"):
            continue
        if url not in pages:
            page = await resolver.fetch_html(url)
            pages[url] = page is not None and links_back(page, url, targets)
        if pages[url]:
            verified[(f.get("name", ""), value)] = time.time()
    return verified


def make_handler(state: State):
    async def check(job: Job) -> None:
        account = await state.store.accounts.get(job.payload.get("account_id", ""))
        if account is None or account.suspended:
            return
        verified = await verify(state, account)
        if not verified:
            return

        async def write(tx):
            current = await tx.accounts.get(account.id)
            if current is None:
                return
            fields, changed = [], False
            for f in current.fields:
                at = verified.get((f.get("name", ""), f.get("value", "")))
                if at and not f.get("verified_at"):
                    f = {**f, "verified_at": at}
                    changed = True
                fields.append(f)
            if changed:
                await tx.accounts.update(account.id, fields=fields)

        await state.store.atomic(write)
        log.info("verified %d profile link(s) of %s", len(verified), account.uri)

    return check

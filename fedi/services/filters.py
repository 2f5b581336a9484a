"""Keyword filters (Mastodon's v2 filters): managing them and matching statuses.

A filter is a titled group of keywords that applies in some contexts (home,
notifications, public, thread, account) until it expires. A status matches when a
keyword occurs in its plain text, content warning or media descriptions (case-
insensitively; a whole-word keyword only between word boundaries). `warn` filters
mark a status's `filtered`; `hide` filters also drop it from timelines (`hidden`).
"""

from __future__ import annotations

import re
import time

from fedi.activitypub.html import html_to_text
from fedi.models import Status
from fedi.services import tokens
from fedi.services.errors import NotFound, ServiceError

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide")
MAX_TITLE = 256
MAX_KEYWORD = 512
KEEP = object()  # "leave expires_at as it is" (an update that does not send expires_in)


# --------------------------------------------------------------------------- reading

async def with_keywords(state, rows: list[dict]) -> list[tuple[dict, list[dict]]]:
    """(filter, its keywords) for each of these filters, with the keywords of all in one query."""
    keywords = await state.store.filters.keywords([r["id"] for r in rows]) if rows else []
    return [(r, [k for k in keywords if k["filter_id"] == r["id"]]) for r in rows]


async def all_of(state, account_id: str) -> list[tuple[dict, list[dict]]]:
    """The account's filters, each with its keywords."""
    return await with_keywords(state, await state.store.filters.of(account_id))


async def one(state, account_id: str, filter_id: str) -> tuple[dict, list[dict]]:
    """One of the account's own filters with its keywords (NotFound for anyone else's)."""
    return (await with_keywords(state, [await own(state, account_id, filter_id)]))[0]


async def keywords_of(state, account_id: str, filter_id: str) -> list[dict]:
    """The keywords of one of the account's own filters (NotFound for anyone else's)."""
    row = await own(state, account_id, filter_id)
    return await state.store.filters.keywords([row["id"]])


# --------------------------------------------------------------------------- validation

def _title(value) -> str:
    title = str(value or "").strip()
    if not title:
        raise ServiceError("Validation failed: Title can't be blank")
    if len(title) > MAX_TITLE:
        raise ServiceError(f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)")
    return title


def _context(values) -> list[str]:
    context = list(dict.fromkeys(str(v) for v in values or ()))
    if not context:
        raise ServiceError("Validation failed: Context can't be blank")
    bad = [c for c in context if c not in CONTEXTS]
    if bad:
        raise ServiceError(f"Validation failed: Context contains invalid values ({', '.join(bad)})")
    return context


def _action(value) -> str:
    action = str(value or "warn")
    if action not in ACTIONS:
        raise ServiceError(f"Validation failed: Filter action must be one of {', '.join(ACTIONS)}")
    return action


def _expires_at(expires_in) -> float | None:
    if expires_in is None or expires_in == "":
        return None
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        raise ServiceError("Validation failed: Expires in must be a number of seconds") from None
    if seconds < 0:
        raise ServiceError("Validation failed: Expires in must not be negative")
    return time.time() + seconds


def _truthy(value, default: bool = True) -> bool:
    """A boolean sent as JSON, or as form text ("1", "true", "0", "false", ...)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "t", "on", "yes")


def _keyword(value) -> str:
    keyword = str(value or "").strip()
    if not keyword:
        raise ServiceError("Validation failed: Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise ServiceError(f"Validation failed: Keyword is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword


# --------------------------------------------------------------------------- filters

async def own(state, account_id: str, filter_id: str) -> dict:
    row = await state.store.filters.get(filter_id)
    if row is None or row["account_id"] != account_id:
        raise NotFound("Record not found")
    return row


async def create(state, account_id: str, *, title, context, filter_action=None, expires_in=None,
                 keywords: list[dict] = ()) -> tuple[dict, list[dict]]:
    """A new filter with its keywords (each {keyword, whole_word}; `_destroy`ed ones skipped);
    the filter as stored, with its keywords."""
    fields = (_title(title), _context(context), _action(filter_action), _expires_at(expires_in))
    added = [(_keyword(k.get("keyword")), _truthy(k.get("whole_word")))
             for k in keywords if not _truthy(k.get("_destroy"), False)]

    async def write(tx):
        filter_id = await tx.filters.create(account_id, *fields)
        for keyword, whole_word in added:
            await tx.filters.add_keyword(filter_id, keyword, whole_word)
        return filter_id

    filter_id = await state.store.atomic(write)
    return (await with_keywords(state, [await state.store.filters.get(filter_id)]))[0]


async def update(state, account_id: str, filter_id: str, *, title=None, context=None, filter_action=None,
                 expires_in=KEEP, keywords: list[dict] = ()) -> tuple[dict, list[dict]]:
    """Change the fields given; keywords with an id are changed (or removed with `_destroy`),
    those without one are added. The filter as stored then, with its keywords."""
    row = await own(state, account_id, filter_id)
    changes = {}
    if title is not None:
        changes["title"] = _title(title)
    if context is not None:
        changes["context"] = _context(context)
    if filter_action is not None:
        changes["filter_action"] = _action(filter_action)
    if expires_in is not KEEP:
        changes["expires_at"] = _expires_at(expires_in)
    current = {k["id"]: k for k in await state.store.filters.keywords([row["id"]])}
    ops = []
    for attrs in keywords:
        kid = str(attrs["id"]) if attrs.get("id") not in (None, "") else None
        if kid is not None and kid not in current:
            raise NotFound("Record not found")
        destroy = _truthy(attrs.get("_destroy"), False)
        if kid is not None and destroy:
            ops.append(("delete", kid, None, None))
        elif kid is not None:
            old = current[kid]
            ops.append(("update", kid, _keyword(attrs.get("keyword", old["keyword"])),
                        _truthy(attrs.get("whole_word"), old["whole_word"])))
        elif not destroy:
            ops.append(("add", None, _keyword(attrs.get("keyword")), _truthy(attrs.get("whole_word"))))

    async def write(tx):
        await tx.filters.update(row["id"], **changes)
        for op, kid, keyword, whole_word in ops:
            if op == "delete":
                await tx.filters.delete_keyword(kid)
            elif op == "update":
                await tx.filters.update_keyword(kid, keyword, whole_word)
            else:
                await tx.filters.add_keyword(row["id"], keyword, whole_word)

    await state.store.atomic(write)
    return (await with_keywords(state, [await state.store.filters.get(row["id"])]))[0]


async def delete(state, account_id: str, filter_id: str) -> None:
    row = await own(state, account_id, filter_id)
    await state.store.filters.delete(row["id"])


# --------------------------------------------------------------------------- keywords

async def own_keyword(state, account_id: str, keyword_id: str) -> dict:
    kw = await state.store.filters.get_keyword(keyword_id)
    if kw is None:
        raise NotFound("Record not found")
    await own(state, account_id, kw["filter_id"])
    return kw


async def add_keyword(state, account_id: str, filter_id: str, keyword, whole_word=None) -> dict:
    """Add a keyword to one of the account's own filters; the keyword as stored."""
    row = await own(state, account_id, filter_id)
    keyword_id = await state.store.filters.add_keyword(row["id"], _keyword(keyword), _truthy(whole_word))
    return await state.store.filters.get_keyword(keyword_id)


async def update_keyword(state, account_id: str, keyword_id: str, keyword=None, whole_word=None) -> dict:
    kw = await own_keyword(state, account_id, keyword_id)
    await state.store.filters.update_keyword(
        kw["id"], _keyword(kw["keyword"] if keyword is None else keyword),
        _truthy(whole_word, kw["whole_word"]))
    return await state.store.filters.get_keyword(kw["id"])


async def delete_keyword(state, account_id: str, keyword_id: str) -> None:
    kw = await own_keyword(state, account_id, keyword_id)
    await state.store.filters.delete_keyword(kw["id"])


# --------------------------------------------------------------------------- matching

def pattern(keyword: str, whole_word: bool) -> re.Pattern:
    """Case-insensitive; a whole-word keyword needs a word boundary at each end that is a
    word character (so "#tag" or "c++" still match as whole words)."""
    body = re.escape(keyword)
    if whole_word:
        if re.match(r"\w", keyword):
            body = r"\b" + body
        if re.search(r"\w$", keyword):
            body += r"\b"
    return re.compile(body, re.IGNORECASE)


async def _compile(state, viewer_id: str) -> list[tuple[dict, set, list]]:
    """The viewer's filters with keywords (expired ones too), compiled."""
    store = state.store.filters
    rows = await store.of(viewer_id)
    keywords = await store.keywords([r["id"] for r in rows]) if rows else []
    compiled = []
    for row in rows:
        mine = [(k["keyword"], pattern(k["keyword"], k["whole_word"]))
                for k in keywords if k["filter_id"] == row["id"]]
        if mine:
            compiled.append((row, set(row["context"]), mine))
    return compiled


async def _compiled(state, viewer_id: str, cache: dict | None) -> list[tuple[dict, set, list]]:
    """The viewer's unexpired filters with keywords, compiled once per cache. Each process
    keeps them by the account's version, which every change of a filter or keyword moves on
    (triggers, migration 0029): when the request's token check has just read that version,
    they are not read again."""
    key = ("filters", viewer_id)
    if cache is not None and key in cache:
        return cache[key]
    version = tokens.confirmed_version(viewer_id)
    kept = state.reader_filters.get(viewer_id) if version is not None else None
    if kept is not None and kept[0] == version:
        every = kept[1]
    else:
        every = await _compile(state, viewer_id)
        if version is not None:  # read after the version: at worst newer than it
            state.reader_filters.put(viewer_id, version, every)
    now = time.time()
    compiled = [c for c in every if c[0]["expires_at"] is None or c[0]["expires_at"] > now]
    if cache is not None:
        cache[key] = compiled
    return compiled


def searchable_text(status: Status) -> str:
    parts = [status.summary or "", html_to_text(status.content)]
    parts += [str(a.get("description") or a.get("name") or "") for a in status.attachments or []
              if isinstance(a, dict)]
    return "\n".join(p for p in parts if p)


async def any_apply(state, viewer_id: str, context: str, cache: dict | None = None) -> bool:
    """Whether any of the viewer's filters applies in `context` (most readers have none:
    a page then skips matching each post)."""
    return any(context in contexts for _, contexts, _ in await _compiled(state, viewer_id, cache))


async def matching(state, viewer_id: str, status: Status, context: str,
                   cache: dict | None = None) -> list[tuple[dict, list[str]]]:
    """(filter, the keywords found) for each of the viewer's filters for `context` that match
    the status (a boost is judged by the post it boosts). Pass the same `cache` dict for
    every status of one response."""
    compiled = await _compiled(state, viewer_id, cache)
    if not compiled:
        return []
    if status.reblog_of_id:
        status = status.boosted or await state.store.statuses.get(status.reblog_of_id)
        if status is None:
            return []
    text = searchable_text(status)
    results = []
    for row, contexts, keywords in compiled:
        if context not in contexts:
            continue
        found = [keyword for keyword, rx in keywords if rx.search(text)]
        if found:
            results.append((row, found))
    return results


async def hidden(state, viewer_id: str, status: Status, context: str, cache: dict | None = None) -> bool:
    """Whether a `hide` filter of the viewer drops this status from a `context` timeline."""
    return any(row["filter_action"] == "hide"
               for row, _ in await matching(state, viewer_id, status, context, cache))

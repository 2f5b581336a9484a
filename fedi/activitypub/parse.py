"""Reading ActivityPub documents received from peers. Pure functions, no I/O."""

from __future__ import annotations

import time
from functools import lru_cache
from html import escape
from datetime import datetime, timezone
from urllib.parse import urlsplit

from fedi import safejson
from fedi.activitypub import html
from fedi.activitypub.audience import as_list
from fedi.activitypub.vocab import ACTOR_TYPES
from fedi.models import Account
from fedi.urls import split_url

MAX_DEPTH = 48
MAX_ITEMS = 10_000


class InvalidDocument(ValueError):
    """The document is not something we can accept; str() is a client-safe reason."""


def loads(body: bytes | str) -> dict:
    """Parse a JSON object, refusing absurd nesting, unstorable text and non-object roots."""
    try:
        doc = safejson.loads(body, max_depth=MAX_DEPTH)
    except safejson.JsonError as exc:
        raise InvalidDocument(str(exc)) from None
    if not isinstance(doc, dict):
        raise InvalidDocument("expected a JSON object")
    return doc


def id_of(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        v = value.get("id")
        return v if isinstance(v, str) else None
    if isinstance(value, list) and value:
        return id_of(value[0])
    return None


@lru_cache(maxsize=8192)
def host_of(uri: str | None) -> str:
    """host[:port] of a URL, lowercased; "" for anything odd (userinfo, no host)."""
    if not uri:
        return ""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return ""
    if parts.username is not None or not parts.hostname:
        return ""
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port is not None else host


def same_origin(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and host_of(a) == host_of(b) != ""


def types_of(doc: dict) -> list[str]:
    return [t for t in as_list(doc.get("type")) if isinstance(t, str)]


def first_type(doc: dict) -> str:
    types = types_of(doc)
    return types[0] if types else ""


def parse_time(value) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _url_of(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("href", "url", "id"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, list):
        for v in value:
            u = _url_of(v)
            if u:
                return u
    return None


def _http_url(value) -> str | None:
    url = _url_of(value)
    parts = split_url(url)
    if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
        return url[:2048]
    return None


def public_key_of(doc: dict) -> tuple[str | None, str | None, str | None]:
    """(key id, owner, pem) of the first publicKey in an actor or Key document."""
    candidates = as_list(doc.get("publicKey"))
    if first_type(doc) in ("Key", "CryptographicKey") or "publicKeyPem" in doc:
        candidates = [doc]
    for key in candidates:
        if isinstance(key, dict) and isinstance(key.get("publicKeyPem"), str):
            owner = key.get("owner") if isinstance(key.get("owner"), str) else None
            return id_of(key), owner, key["publicKeyPem"]
    return None, None, None


def actor_to_account(doc: dict, account_id: str) -> Account:
    """Build a remote Account from an actor document whose id was already verified."""
    uri = doc.get("id")
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise InvalidDocument("actor has no http(s) id")
    if first_type(doc) not in ACTOR_TYPES:
        raise InvalidDocument("not an actor")
    username = doc.get("preferredUsername")
    if not isinstance(username, str) or not username.strip():
        username = uri.rstrip("/").rsplit("/", 1)[-1] or "unknown"
    username = html.sanitize_text(username, 64).replace(" ", "_") or "unknown"
    inbox = doc.get("inbox")
    if not isinstance(inbox, str) or not same_origin(inbox, uri):
        raise InvalidDocument("actor has no inbox on its own host")
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    shared = endpoints.get("sharedInbox")
    if not isinstance(shared, str) or not same_origin(shared, uri):
        shared = None
    key_id, _owner, pem = public_key_of(doc)
    if key_id and not same_origin(key_id, uri):
        key_id, pem = None, None
    fields = []
    for att in as_list(doc.get("attachment"))[:20]:
        if isinstance(att, dict) and first_type(att) == "PropertyValue":
            fields.append({
                "name": html.sanitize_text(att.get("name") if isinstance(att.get("name"), str) else "", 255),
                "value": html.sanitize_html(att.get("value")[:2048] if isinstance(att.get("value"), str) else ""),
            })
    aka = [a for a in as_list(doc.get("alsoKnownAs")) if isinstance(a, str)][:20]
    now = time.time()

    def own_url(key):
        v = doc.get(key)
        return v if isinstance(v, str) and same_origin(v, uri) else None

    return Account(
        id=account_id, uri=uri, username=username, domain=host_of(uri),
        display_name=html.sanitize_text(doc.get("name") if isinstance(doc.get("name"), str) else "", 100),
        note=html.sanitize_html(doc.get("summary")[:20_000] if isinstance(doc.get("summary"), str) else ""),
        url=_http_url(doc.get("url")) or uri,
        actor_type=first_type(doc),
        inbox_url=inbox, shared_inbox_url=shared,
        outbox_url=own_url("outbox"), followers_url=own_url("followers"),
        following_url=own_url("following"), featured_url=own_url("featured"),
        public_key_id=key_id, public_key_pem=pem,
        locked=doc.get("manuallyApprovesFollowers") is True,
        discoverable=doc.get("discoverable") is True,
        bot=first_type(doc) in ("Service", "Application"),
        avatar_url=_http_url(doc.get("icon")), header_url=_http_url(doc.get("image")),
        fields=fields, also_known_as=aka,
        published=doc.get("published") if isinstance(doc.get("published"), str) else None,
        fetched_at=now, created_at=now, updated_at=now,
    )


def note_fields(doc: dict) -> dict:
    """The parts of a Note-like object we store, sanitized."""
    content = doc.get("content")
    if not isinstance(content, str):
        content_map = doc.get("contentMap")
        content = next(iter(content_map.values()), "") if isinstance(content_map, dict) and content_map else ""
        content = content if isinstance(content, str) else ""
    if first_type(doc) in ("Article", "Page") and isinstance(doc.get("name"), str):
        title = escape(html.sanitize_text(doc["name"], 200), quote=False)
        link = _http_url(doc.get("url"))
        content = f"<p><strong>{title}</strong></p>{content}" if not link else content
    summary = doc.get("summary") if isinstance(doc.get("summary"), str) else ""
    language = None
    if isinstance(doc.get("contentMap"), dict) and doc["contentMap"]:
        lang = next(iter(doc["contentMap"]))
        language = lang[:16] if isinstance(lang, str) else None
    mentions, tags = [], []
    for tag in as_list(doc.get("tag"))[:100]:
        if not isinstance(tag, dict):
            continue
        if first_type(tag) == "Mention" and isinstance(tag.get("href"), str):
            mentions.append(tag["href"])
        elif first_type(tag) == "Hashtag" and isinstance(tag.get("name"), str):
            tags.append(tag["name"].lstrip("#")[:100])
    attachments = []
    for att in as_list(doc.get("attachment"))[:16]:
        if isinstance(att, dict):
            url = _http_url(att.get("url"))
            if url:
                attachments.append({
                    "type": first_type(att) or "Document",
                    "url": url,
                    "mediaType": att.get("mediaType") if isinstance(att.get("mediaType"), str) else None,
                    "name": html.sanitize_text(att.get("name") if isinstance(att.get("name"), str) else "", 1500),
                    "blurhash": att.get("blurhash") if isinstance(att.get("blurhash"), str) else None,
                })
    return {
        "content": html.sanitize_html(content[:100_000]),
        "summary": html.sanitize_summary(summary),
        "sensitive": doc.get("sensitive") is True or bool(summary),
        "in_reply_to": id_of(doc.get("inReplyTo")),
        "published": parse_time(doc.get("published")) or time.time(),
        "updated": parse_time(doc.get("updated")),
        "url": _http_url(doc.get("url")),
        "language": language,
        "mentions": mentions,
        "tags": tags,
        "attachments": attachments,
        "conversation": doc.get("conversation") if isinstance(doc.get("conversation"), str) else None,
        "object_type": first_type(doc) or "Note",
        "poll": question_poll(doc),
    }


MAX_POLL_OPTIONS = 20


def question_poll(doc: dict) -> dict | None:
    """Options, tallies, closing time and kind of a Question's poll; None for anything else."""
    if first_type(doc) != "Question":
        return None
    multiple = doc.get("anyOf") is not None and doc.get("oneOf") is None
    options, counts = [], []
    for item in as_list(doc.get("anyOf") if multiple else doc.get("oneOf"))[:MAX_POLL_OPTIONS]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        options.append(html.sanitize_text(item["name"], 200))
        replies = item.get("replies") if isinstance(item.get("replies"), dict) else {}
        total = replies.get("totalItems")
        counts.append(total if isinstance(total, int) and total >= 0 else 0)
    if not options:
        return None
    voters = doc.get("votersCount")
    voters = voters if isinstance(voters, int) and voters >= 0 else (0 if multiple else sum(counts))
    end = parse_time(doc.get("endTime")) or parse_time(doc.get("closed") if isinstance(doc.get("closed"), str)
                                                       else None)
    return {"options": options, "counts": counts, "multiple": multiple, "expires_at": end,
            "voters_count": voters}

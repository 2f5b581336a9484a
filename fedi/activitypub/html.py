"""Sanitizing HTML and text that arrives from remote servers.

Remote ``content`` is HTML written by someone else's server and is never trusted:
it is reduced to a small allowlist of inline/block formatting elements, links may
only point to http(s) or mailto URLs, and every attribute apart from ``href`` (and
a handful of Mastodon microformat class names) is dropped.

All cleaners are built once at import time; each public function is a single
``Cleaner.clean`` call plus, for the text helpers, some cheap string work.
"""

from __future__ import annotations

import re
from html import unescape

import nh3

__all__ = [
    "ALLOWED_CLASSES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "html_to_text",
    "sanitize_html",
    "sanitize_summary",
    "sanitize_text",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "a", "span",
        "b", "strong", "i", "em", "u", "del", "s",
        "ul", "ol", "li", "blockquote", "pre", "code",
    }
)

ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow noopener noreferrer"

# Microformat / presentation classes Mastodon emits for mentions, hashtags and
# shortened links. Any other class value is removed.
_MASTODON_CLASSES = frozenset({"h-card", "mention", "hashtag", "u-url", "invisible", "ellipsis"})
ALLOWED_CLASSES: dict[str, frozenset[str]] = {"a": _MASTODON_CLASSES, "span": _MASTODON_CLASSES}

# Elements whose whole subtree is discarded rather than unwrapped. Besides
# script/style these are raw-text or inert containers whose "text" is never
# meaningful post content (and would otherwise surface as escaped markup).
_DROP_CONTENT_TAGS = frozenset(
    {
        "script", "style", "template", "iframe", "noscript", "noembed", "noframes",
        "textarea", "title", "xmp",
    }
)

# ``"*": set()`` matters: without it nh3 keeps its default global attributes
# (``lang``, ``title``).
_HTML_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_DROP_CONTENT_TAGS),
    attributes={"*": set(), "a": {"href"}},
    allowed_classes={tag: set(classes) for tag, classes in ALLOWED_CLASSES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)

# Strips every tag, keeps text (escaped), drops script/style (etc.) bodies.
_STRIP_ALL_CLEANER = nh3.Cleaner(
    tags=set(),
    clean_content_tags=set(_DROP_CONTENT_TAGS),
    attributes={"*": set()},
    link_rel=None,
    strip_comments=True,
)

# Elements that start a new line (``<br>``, list items, table rows) or a new
# paragraph in plain text.
_LINE_BREAK_TAGS = frozenset({"br", "li", "tr"})
_PARAGRAPH_TAGS = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "table",
     "h1", "h2", "h3", "h4", "h5", "h6"}
)

# Keeps only structural tags, all without attributes, so the output contains
# nothing but ``<name>``, ``</name>`` and escaped text.
_STRUCTURE_CLEANER = nh3.Cleaner(
    tags=set(_PARAGRAPH_TAGS) | set(_LINE_BREAK_TAGS),
    clean_content_tags=set(_DROP_CONTENT_TAGS),
    attributes={"*": set()},
    link_rel=None,
    strip_comments=True,
)

_STRUCTURE_TAG_RE = re.compile(r"<(/?)([a-z][a-z0-9]*)>")
_WHITESPACE_RE = re.compile(r"\s+")

# C0/C1 controls (whitespace among them is collapsed before this is applied),
# surrogates, and bidi embedding/override/isolate controls that can reorder
# surrounding UI text.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_CONTROL_KEEP_WHITESPACE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)


def sanitize_html(html: str | None) -> str:
    """Reduce remote HTML to the allowlisted subset.

    Links keep only ``href`` (http, https or mailto; anything else, including
    relative URLs, is removed) and get ``rel="nofollow noopener noreferrer"``.
    ``class`` survives on ``a``/``span`` only for Mastodon's microformat values.
    """
    if not html or not isinstance(html, str):
        return ""
    return _HTML_CLEANER.clean(html)


def sanitize_text(value: str | None, max_len: int = 100) -> str:
    """Plain text for names and labels: no tags, one line, no control characters.

    The result is *not* HTML-escaped; templates are responsible for escaping.
    """
    if not value or not isinstance(value, str):
        return ""
    text = _strip_tags(value)
    text = _WHITESPACE_RE.sub(" ", text)
    text = _CONTROL_RE.sub("", text).strip()
    if max_len >= 0 and len(text) > max_len:
        text = text[:max_len].rstrip()
    return text


def sanitize_summary(value: str | None) -> str:
    """Plain text for content warnings (``summary``)."""
    return sanitize_text(value, max_len=500)


def html_to_text(html: str | None) -> str:
    """Readable plain text for search indexing and previews.

    Tags are removed, ``<br>`` and list items become line breaks, paragraphs and
    other blocks are separated by a blank line, entities are decoded and runs of
    whitespace inside text are collapsed (except within ``<pre>``).
    """
    if not html or not isinstance(html, str):
        return ""
    parts = _STRUCTURE_TAG_RE.split(_STRUCTURE_CLEANER.clean(html))
    out: list[str] = []
    pending = 0  # newlines owed before the next piece of text
    pre_depth = 0
    last_collapsed = False  # whether out[-1] is whitespace-collapsed (non-pre) text
    for index in range(0, len(parts), 3):
        chunk = parts[index]
        if chunk:
            text = unescape(chunk)
            collapsed = not pre_depth
            if collapsed:
                text = _WHITESPACE_RE.sub(" ", text)
                if pending or not out:
                    text = text.lstrip(" ")
            if text:
                if pending and out:
                    if last_collapsed:
                        out[-1] = out[-1].rstrip(" ")
                    out.append("\n" * pending)
                pending = 0
                out.append(text)
                last_collapsed = collapsed
        if index + 2 >= len(parts):
            break
        closing, name = parts[index + 1], parts[index + 2]
        if name == "pre":
            pre_depth = max(0, pre_depth - 1) if closing else pre_depth + 1
        if name == "br":
            pending += 1
        elif name in _PARAGRAPH_TAGS:
            pending = max(pending, 2)
        elif not closing and name in _LINE_BREAK_TAGS:
            pending = max(pending, 1)
    return _CONTROL_KEEP_WHITESPACE_RE.sub("", "".join(out)).strip()


def _strip_tags(value: str) -> str:
    return unescape(_STRIP_ALL_CLEANER.clean(value))

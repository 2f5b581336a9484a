"""Turning locally written plain text into HTML, and finding mentions/hashtags in it.

Posts are composed as plain text. Rendering follows Mastodon's conventions:
paragraphs on blank lines, ``<br>`` for single newlines, http(s) URLs linkified,
resolved mentions as ``h-card`` links and hashtags as ``rel="tag"`` links.

URLs are located first; mentions and hashtags that fall inside a URL are ignored,
so ``https://example.com/@bob#top`` neither mentions anyone nor tags anything.
"""

from __future__ import annotations

import re
from bisect import bisect_left
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from bleach.linkifier import Linker

__all__ = [
    "Mention",
    "ResolvedMention",
    "extract_hashtags",
    "extract_mentions",
    "render_plain_text",
]

LINK_REL = "nofollow noopener noreferrer"


@dataclass(frozen=True)
class Mention:
    username: str
    host: str | None  # lowercase, may carry a port ("localhost:8301"); None for a local @user
    text: str  # as written, e.g. "@bob@pro.test"

    @property
    def key(self) -> tuple[str, str | None]:
        """Lookup key for ``render_plain_text``'s ``mentions`` mapping."""
        return (self.username.lower(), self.host)


@dataclass(frozen=True)
class ResolvedMention:
    actor_uri: str
    profile_url: str
    acct: str  # "user" or "user@host"


# --------------------------------------------------------------------------- patterns

# Characters allowed inside a URL (parentheses only as balanced pairs), and the
# subset allowed as its final character (trailing punctuation belongs to the prose).
_URL_EXCLUDED = r"\s<>\"`()\[\]{}"
_URL_TRAILING = r".,:;!?'*\u3001\u3002\uff0c\uff0e\uff01\uff1f"
# A URL may not start glued to a word, or right after '@', '$' or '#'.
_URL_TEMPLATE = (
    r"(?<![\w@$#])[Hh][Tt][Tt][Pp][Ss]?://"
    r"(?:\((?:{c})*\)|{c})*"
    r"(?:\((?:{c})*\)|{f})"
)
# For raw text.
_URL_RE = re.compile(
    _URL_TEMPLATE.format(c=f"[^{_URL_EXCLUDED}]", f=f"[^{_URL_EXCLUDED}{_URL_TRAILING}]")
)
# The same language over HTML-escaped text (as seen by bleach's linkifier): '&'
# only occurs as '&amp;', so '&lt;' / '&gt;' (escaped '<' / '>') end a URL exactly
# where the raw pattern would stop.
_ESCAPED_URL_RE = re.compile(
    _URL_TEMPLATE.format(
        c=f"&amp;|[^{_URL_EXCLUDED}&]", f=f"&amp;|[^{_URL_EXCLUDED}{_URL_TRAILING}&]"
    )
)


def _mark_ranges() -> str:
    """Character-class body for Unicode combining marks (category M*).

    Python's ``\\w`` excludes marks, which would cut hashtags such as #हिन्दी
    short. Planes 0-1 and the variation-selector supplement cover every mark.
    """
    spans: list[str] = []
    start = prev = -1
    candidates = list(range(0x20000)) + list(range(0xE0100, 0xE01F0))
    for cp in candidates:
        if unicodedata.category(chr(cp))[0] == "M":
            if start < 0:
                start = cp
            elif cp != prev + 1:
                spans.append(_span(start, prev))
                start = cp
            prev = cp
    if start >= 0:
        spans.append(_span(start, prev))
    return "".join(spans)


def _span(start: int, end: int) -> str:
    return re.escape(chr(start)) if start == end else f"{re.escape(chr(start))}-{re.escape(chr(end))}"


@dataclass(frozen=True)
class _Patterns:
    mention: re.Pattern[str]
    hashtag: re.Pattern[str]
    letter: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    marks = _mark_ranges()
    word = rf"[\w{marks}]"
    mention = re.compile(
        rf"(?<![\w{marks}/=])@"
        r"([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
        rf"(?:@({word}(?:[\w{marks}.-]*{word})?(?::[0-9]{{1,5}}(?![0-9]))?))?"
        rf"(?!{word})"
    )
    hashtag = re.compile(
        rf"(?<![\w{marks}/=)])#"
        rf"({word}+(?:[\u00b7\u200c]{word}+)*)"
    )
    letter = re.compile(rf"[^\W\d_]|[{marks}]")
    return _Patterns(mention=mention, hashtag=hashtag, letter=letter)


# --------------------------------------------------------------------------- tokenizing

_URL, _MENTION, _HASHTAG = "url", "mention", "hashtag"


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int
    end: int
    mention: Mention | None = None
    tag: str | None = None


def _tokens(text: str) -> list[_Token]:
    """Non-overlapping URL, mention and hashtag tokens in document order."""
    urls = [_Token(_URL, m.start(), m.end()) for m in _URL_RE.finditer(text)]
    patterns = _patterns()
    found: list[_Token] = list(urls)

    url_starts = [u.start for u in urls]

    def in_url(start: int, end: int) -> bool:
        # URLs are sorted and disjoint: only the last one starting before `end` can overlap.
        i = bisect_left(url_starts, end) - 1
        return i >= 0 and start < urls[i].end

    for m in patterns.mention.finditer(text):
        start, end = m.start(), m.end()
        if urls and in_url(start, end):
            continue
        host = m.group(2)
        if host and ":" in host:
            name, _, port = host.rpartition(":")
            if not 0 < int(port) <= 65535:
                host, end = name, m.start(2) + len(name)
        mention = Mention(
            username=m.group(1), host=host.lower() if host else None, text=text[start:end]
        )
        found.append(_Token(_MENTION, start, end, mention=mention))
    for m in patterns.hashtag.finditer(text):
        tag = m.group(1)
        if not patterns.letter.search(tag):
            continue  # all digits / underscores: "#1", "#2024"
        if urls and in_url(m.start(), m.end()):
            continue
        found.append(_Token(_HASHTAG, m.start(), m.end(), tag=tag))
    found.sort(key=lambda t: t.start)
    return found


def extract_mentions(text: str) -> list[Mention]:
    """Mentions in order of first appearance, de-duplicated on (username, host), case-insensitively."""
    if not text:
        return []
    seen: set[tuple[str, str | None]] = set()
    result: list[Mention] = []
    for token in _tokens(text):
        if token.mention is not None and token.mention.key not in seen:
            seen.add(token.mention.key)
            result.append(token.mention)
    return result


def extract_hashtags(text: str) -> list[str]:
    """Hashtags (without '#') as first written, de-duplicated case-insensitively."""
    if not text:
        return []
    seen: set[str] = set()
    result: list[str] = []
    for token in _tokens(text):
        if token.tag is not None and token.tag.lower() not in seen:
            seen.add(token.tag.lower())
            result.append(token.tag)
    return result


# --------------------------------------------------------------------------- rendering


def _link_attrs(attrs: dict, new: bool = False) -> dict:
    if new:
        attrs[(None, "rel")] = LINK_REL
        attrs[(None, "target")] = "_blank"
    return attrs


_LINKER = Linker(callbacks=[_link_attrs], parse_email=False, url_re=_ESCAPED_URL_RE)

_PARAGRAPH_SPLIT_RE = re.compile(r"\n[^\S\n]*\n\s*")


def _mention_html(mention: Mention, resolved: ResolvedMention) -> str:
    name = resolved.acct.split("@", 1)[0] if resolved.acct else mention.username
    return (
        f'<span class="h-card"><a href="{escape(resolved.profile_url)}" class="u-url mention">'
        f"@<span>{escape(name)}</span></a></span>"
    )


def _hashtag_html(tag: str, tag_url: Callable[[str], str]) -> str:
    return (
        f'<a href="{escape(tag_url(tag))}" class="mention hashtag" rel="tag">'
        f"#<span>{escape(tag)}</span></a>"
    )


def _render_line(
    line: str,
    mentions: Mapping[tuple[str, str | None], ResolvedMention],
    tag_url: Callable[[str], str],
) -> tuple[str, bool]:
    """HTML for one line (mentions/hashtags linked, URLs left for the linkifier)."""
    out: list[str] = []
    pos = 0
    has_url = False
    for token in _tokens(line):
        if token.kind == _URL:
            has_url = True
            continue
        if token.mention is not None:
            resolved = mentions.get(token.mention.key)
            if resolved is None:
                continue
            snippet = _mention_html(token.mention, resolved)
        else:
            snippet = _hashtag_html(token.tag or "", tag_url)
        out.append(escape(line[pos : token.start], quote=False))
        out.append(snippet)
        pos = token.end
    out.append(escape(line[pos:], quote=False))
    return "".join(out), has_url


def render_plain_text(
    text: str,
    *,
    mentions: Mapping[tuple[str, str | None], ResolvedMention],
    tag_url: Callable[[str], str],
) -> str:
    """Convert locally written plain text into safe HTML.

    ``mentions`` maps ``(username.lower(), host.lower() or None)`` to the resolved
    account; mentions without an entry are left as plain text.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs: list[str] = []
    any_url = False
    for paragraph in _PARAGRAPH_SPLIT_RE.split(text):
        lines: list[str] = []
        for line in paragraph.strip().split("\n"):
            rendered, has_url = _render_line(line, mentions, tag_url)
            any_url = any_url or has_url
            lines.append(rendered)
        paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    html = "".join(paragraphs)
    if any_url:
        html = _LINKER.linkify(html)
    return html


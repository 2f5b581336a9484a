"""Redirect targets that come from a request (`next=`, a form's `back`, the Referer).

A target is taken only when a browser would read it as a path on this site: the value is
first normalised the way the WHATWG URL parser does (leading and trailing control
characters and spaces dropped, tabs and newlines removed anywhere, backslashes read as
slashes), and must then be a single-slash path with no control characters or whitespace
left. Anything else, such as `//evil.example`, `/\\evil.example`, `/\\t/evil.example` or a
full URL, is replaced by the default. The result is always safe in a Location header.
"""

from __future__ import annotations

from urllib.parse import quote

from fedi.safejson import storable

MAX_LENGTH = 2000
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_REMOVED = str.maketrans("", "", "\t\n\r")
# What may stay unescaped in a Location path: printable ASCII other than space, plus '%'
# so that existing escapes are kept as they are.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7f))


def local_target(value: object, default: str = "/") -> str:
    """`value` as a path on this site, or `default` if a browser could read it otherwise."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return default
    text = value.strip(_C0_AND_SPACE).translate(_REMOVED).replace("\\", "/")
    if not text.startswith("/") or text.startswith("//"):
        return default
    if not storable(text) or any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in text):
        return default
    return quote(text, safe=_SAFE)


def is_local_target(value: object) -> bool:
    """True when `value` is already a clean path on this site (as `local_target` keeps it)."""
    return isinstance(value, str) and bool(value) and local_target(value, "") == value

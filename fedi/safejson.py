"""JSON from untrusted senders: bounded nesting and size, finite numbers, and text that any
database can store (no NUL characters, no unpaired surrogates). Pure, no I/O.

Peers' ActivityPub documents and client API bodies are both read through `loads`, so a
document that one face refuses is refused by the other too.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 48
MAX_NODES = 200_000


class JsonError(ValueError):
    """The text is not JSON we accept; str() is a short reason safe to show the sender."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonError("JSON number out of range")
    return value


def _constant(name: str):
    raise JsonError(f"JSON does not allow {name}")


_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_constant)


# A NUL or a surrogate can only reach a parsed string through a \\u escape: raw control
# characters are not valid JSON, and raw surrogates are not valid UTF-8.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse `data`, raising JsonError for malformed, too deep, too large or unstorable JSON."""
    try:
        text = data if isinstance(data, str) else bytes(data).decode(json.detect_encoding(data), "surrogatepass")
        value = _DECODER.decode(text)
    except JsonError:
        raise
    except RecursionError:
        raise JsonError("JSON nested too deeply") from None
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise JsonError(f"malformed JSON: {_short(exc)}") from None
    # The walk is needed only when the text could hold something to refuse: more opening
    # brackets than the depth allowed, more separators than the nodes allowed, or an
    # escape that makes a NUL or a surrogate. Ordinary documents skip it.
    opening = text.count("[") + text.count("{")
    texts = _SUSPECT_ESCAPE.search(text) is not None
    if texts or opening > max_depth or opening + text.count(",") >= max_nodes:
        check(value, max_depth=max_depth, max_nodes=max_nodes, texts=texts)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES, texts: bool = True) -> None:
    """Walk a parsed value without recursion, enforcing depth and size, and (with `texts`)
    that every string and key can be stored."""
    stack = [(value, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if isinstance(node, dict):
            if texts:
                for key in node:
                    _check_text(key)
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise JsonError("JSON nested too deeply")
        seen += len(children)
        if seen > max_nodes:
            raise JsonError("JSON document too large")
        for child in children:
            if isinstance(child, (dict, list)) or (texts and isinstance(child, str)):
                stack.append((child, depth + 1))


def storable(text: str) -> bool:
    """True unless `text` holds a NUL character or an unpaired surrogate."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(text: str) -> None:
    if not storable(text):
        raise JsonError("JSON text holds a NUL character or an unpaired surrogate")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__

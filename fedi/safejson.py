"""JSON from untrusted senders: bounded nesting and size, finite numbers, and text that any
database can store (no NUL characters, no unpaired surrogates). Pure, no I/O.

Peers' ActivityPub documents and client API bodies are both read through `loads`, so a
document that one face refuses is refused by the other too.
"""

from __future__ import annotations

import json
import math
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


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse `data`, raising JsonError for malformed, too deep, too large or unstorable JSON."""
    try:
        value = json.loads(data, parse_float=_finite, parse_constant=_constant)
    except JsonError:
        raise
    except RecursionError:
        raise JsonError("JSON nested too deeply") from None
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise JsonError(f"malformed JSON: {_short(exc)}") from None
    check(value, max_depth=max_depth, max_nodes=max_nodes)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Walk a parsed value without recursion, enforcing depth, size and storable text."""
    stack = [(value, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if isinstance(node, dict):
            if depth > max_depth:
                raise JsonError("JSON nested too deeply")
            for key in node:
                _check_text(key)
            children = node.values()
        elif isinstance(node, list):
            if depth > max_depth:
                raise JsonError("JSON nested too deeply")
            children = node
        else:
            continue
        for child in children:
            seen += 1
            if isinstance(child, (dict, list, str)):
                stack.append((child, depth + 1))
        if seen > max_nodes:
            raise JsonError("JSON document too large")


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

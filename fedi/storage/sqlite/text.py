"""Case-insensitive matching that gives the same answers on both backends.

SQLite's LIKE ignores the case of ASCII letters only; PostgreSQL's ILIKE (what fedi's LIKE
becomes there) ignores the case of every letter, so "émile" found "Émile" on one backend
and not on the other. A pattern with letters beyond ASCII is matched with
`fold_like(value, pattern)` instead: a function every SQLite connection registers
(`register`, Python's Unicode-aware matching) and, on PostgreSQL, a SQL function doing
ILIKE (migration 0028). ASCII patterns keep SQLite's own LIKE, which is far cheaper than a
Python call per row. Patterns escape with a backslash (`escape`).
"""

from __future__ import annotations

import re
from functools import lru_cache


def escape(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like(column: str, pattern: str) -> str:
    """A case-insensitive match of `column` against `pattern` (one placeholder), the same on
    both backends."""
    return f"{column} LIKE ? ESCAPE '\\'" if pattern.isascii() else f"fold_like({column}, ?)"


def _parts(pattern: str) -> list[str | None]:
    """The pattern as literal runs and wildcards (None for %, "" for _)."""
    parts: list[str | None] = []
    literal, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            literal.append(pattern[i + 1])
            i += 2
            continue
        if char in "%_":
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(None if char == "%" else "")
        else:
            literal.append(char)
        i += 1
    if literal:
        parts.append("".join(literal))
    return parts


@lru_cache(maxsize=256)
def _matcher(pattern: str):
    """A function telling whether a lowercased value matches the pattern. The shapes that
    searches use (a prefix, a word anywhere, an exact name) are string tests, several times
    cheaper than a regular expression on every row a search scans."""
    parts = [p.lower() if p else p for p in _parts(pattern)]
    if all(isinstance(p, str) and p for p in parts):
        exact = "".join(parts)
        return lambda value: value == exact
    if len(parts) == 2 and parts[0] and parts[1] is None:
        return lambda value, prefix=parts[0]: value.startswith(prefix)
    if len(parts) == 3 and parts[0] is None and parts[1] and parts[2] is None:
        return lambda value, word=parts[1]: word in value
    regex = "".join(".*" if p is None else "." if p == "" else re.escape(p) for p in parts)
    return re.compile(regex, re.DOTALL).fullmatch


def fold_like(value, pattern):
    """SQL `value ILIKE pattern ESCAPE '\\'`, both sides lowercased as PostgreSQL does: NULL
    if either is NULL."""
    if value is None or pattern is None:
        return None
    return bool(_matcher(str(pattern))(str(value).lower()))


FUNCTIONS = (("fold_like", 2, fold_like),)


def register(conn) -> None:
    """Give a sqlite3 connection fedi's SQL functions."""
    for name, arity, fn in FUNCTIONS:
        conn.create_function(name, arity, fn, deterministic=True)

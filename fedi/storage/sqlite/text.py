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


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def fold_like(value, pattern):
    """SQL `value ILIKE pattern ESCAPE '\\'`: NULL if either is NULL."""
    if value is None or pattern is None:
        return None
    return _compiled(str(pattern)).fullmatch(str(value)) is not None


FUNCTIONS = (("fold_like", 2, fold_like),)


def register(conn) -> None:
    """Give a sqlite3 connection fedi's SQL functions."""
    for name, arity, fn in FUNCTIONS:
        conn.create_function(name, arity, fn, deterministic=True)

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


def _segment_at(value: str, segment: list[str | None], at: int) -> bool:
    """Whether the segment (characters, None for `_`) matches `value` at `at`."""
    if at + len(segment) > len(value):
        return False
    return all(c is None or value[at + k] == c for k, c in enumerate(segment))


def _find(value: str, segment: list[str | None], start: int) -> int:
    """The leftmost place at or after `start` where the segment matches, or -1."""
    for at in range(start, len(value) - len(segment) + 1):
        if _segment_at(value, segment, at):
            return at
    return -1


@lru_cache(maxsize=256)
def _matcher(pattern: str):
    """A function telling whether a lowercased value matches the pattern. The shapes that
    searches use (a prefix, a word anywhere, an exact name) are string tests, several times
    cheaper than the general case on every row a search scans. The general case matches the
    segments between `%` leftmost first, which is exact for LIKE and never backtracks (a
    regular expression of several `.*` could take exponential time on a long value)."""
    parts = [p.lower() if p else p for p in _parts(pattern)]
    if all(isinstance(p, str) and p for p in parts):
        exact = "".join(parts)
        return lambda value: value == exact
    if len(parts) == 2 and parts[0] and parts[1] is None:
        return lambda value, prefix=parts[0]: value.startswith(prefix)
    if len(parts) == 3 and parts[0] is None and parts[1] and parts[2] is None:
        return lambda value, word=parts[1]: word in value
    # Segments between %: characters, with None for _.
    segments: list[list[str | None]] = [[]]
    for part in parts:
        if part is None:
            segments.append([])
        else:
            segments[-1].extend(list(part) if part else [None])
    first, *middle, last = segments if len(segments) > 1 else (segments[0], segments[0])

    def match(value: str) -> bool:
        if len(segments) == 1:
            return len(value) == len(first) and _segment_at(value, first, 0)
        if not _segment_at(value, first, 0):
            return False
        at = len(first)
        for segment in middle:
            found = _find(value, segment, at)
            if found < 0:
                return False
            at = found + len(segment)
        return len(value) - len(last) >= at and _segment_at(value, last, len(value) - len(last))

    return match


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

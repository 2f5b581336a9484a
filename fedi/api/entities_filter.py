"""Filter entities for the Mastodon client API: Filter, FilterKeyword and FilterResult, drawn
from the filters and keywords `fedi.services.filters` keeps."""

from __future__ import annotations

from fedi.api.entities import iso


def keyword_entity(kw: dict) -> dict:
    """A FilterKeyword."""
    return {"id": kw["id"], "keyword": kw["keyword"], "whole_word": bool(kw["whole_word"])}


def filter_entity(row: dict, keywords: list[dict] | None = None) -> dict:
    """A Filter; without `keywords`, the short form a FilterResult carries (as Mastodon sends it)."""
    doc = {
        "id": row["id"],
        "title": row["title"],
        "context": list(row["context"]),
        "expires_at": iso(row["expires_at"]),
        "filter_action": row["filter_action"],
    }
    if keywords is not None:
        doc["keywords"] = [keyword_entity(k) for k in keywords]
        doc["statuses"] = []
    return doc


def filters(found: list[tuple[dict, list[dict]]]) -> list[dict]:
    """Filters, from (filter, its keywords) pairs."""
    return [filter_entity(row, keywords) for row, keywords in found]


def filter_results(matched: list[tuple[dict, list[str]]]) -> list[dict]:
    """FilterResults, from the (filter, keywords found) pairs of `fedi.services.filters.matching`."""
    return [{"filter": filter_entity(row), "keyword_matches": found, "status_matches": None}
            for row, found in matched]

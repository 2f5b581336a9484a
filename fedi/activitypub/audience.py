"""Visibility <-> addressing, the way Mastodon maps them."""

from __future__ import annotations

from fedi.activitypub.vocab import PUBLIC, is_public

# The visibilities that travel between servers, and local-only: seen by this instance's
# signed-in accounts, never sent to other servers.
FEDERATED = ("public", "unlisted", "private", "direct")
LOCAL = "local"
VISIBILITIES = (*FEDERATED, LOCAL)
# Accepted spellings of the followers-only and local-only visibilities.
ALIASES = {"followers": "private", "followers_only": "private", "followers-only": "private",
           "local_only": LOCAL, "local-only": LOCAL, "localonly": LOCAL}


def normalize(visibility: str | None, default: str = "public") -> str:
    v = (visibility or default).strip().lower()
    v = ALIASES.get(v, v)
    if v not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    return v


def addressing(visibility: str, followers_url: str, mentioned: list[str], *,
               local_public: str | None = None) -> tuple[list[str], list[str]]:
    """(to, cc) for a post of the given visibility. A local-only post addresses nobody on
    another server: only `local_public`, this instance's own public address, when given."""
    mentioned = list(dict.fromkeys(mentioned))
    if visibility == LOCAL:
        return ([local_public] if local_public else []), []
    if visibility == "public":
        return [PUBLIC], [followers_url, *mentioned]
    if visibility == "unlisted":
        return [followers_url], [PUBLIC, *mentioned]
    if visibility == "private":
        return [followers_url], mentioned
    return mentioned, []


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def ids(values) -> list[str]:
    out = []
    for v in as_list(values):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict) and isinstance(v.get("id"), str):
            out.append(v["id"])
    return out


def visibility_of(doc: dict, followers_url: str | None) -> str:
    """Infer the visibility of a received object or activity from its addressing."""
    to, cc = ids(doc.get("to")), ids(doc.get("cc"))
    if any(is_public(x) for x in to):
        return "public"
    if any(is_public(x) for x in cc):
        return "unlisted"
    if followers_url and followers_url in to + cc:
        return "private"
    if any(x.endswith("/followers") for x in to + cc):
        return "private"
    return "direct"


def recipients(doc: dict) -> list[str]:
    seen = []
    for key in ("to", "cc", "bto", "bcc", "audience"):
        for x in ids(doc.get(key)):
            if x not in seen:
                seen.append(x)
    return seen

"""Hashtags an account follows or features.

Following a hashtag works as on Mastodon: each new public post carrying it (written here or
arriving from another server) joins the follower's home feed, unless the follower blocks,
mutes or is blocked by its author or by an account it mentions. Unfollowing takes out again
the posts the feed had only because of the tag. Featured hashtags are shown on a local
account's profile, with how often the account used them in its public and unlisted posts.
"""

from __future__ import annotations

from fedi.activitypub.text import extract_hashtags
from fedi.models import Account, Status
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State

MAX_FEATURED = 10
MAX_NAME = 100


def parse(name: str | None) -> tuple[str, str] | None:
    """(lowercase name, name as written) of a hashtag given with or without its '#', or None
    if it is not one (the same rule that finds hashtags in posts)."""
    written = (name or "").strip()
    written = written[1:] if written.startswith("#") else written
    if not written or len(written) > MAX_NAME or extract_hashtags(f"#{written}") != [written]:
        return None
    return written.lower(), written


def _parsed(name: str | None) -> tuple[str, str]:
    """A valid hashtag, else not found (as Mastodon answers a path naming no hashtag)."""
    found = parse(name)
    if found is None:
        raise NotFound("Record not found")
    return found


# --------------------------------------------------------------------------- following

async def show(state: State, viewer: Account | None, name: str) -> tuple[str, bool | None]:
    """(display name, whether the viewer follows it; None without a viewer) of a valid tag,
    known here or not."""
    key, written = _parsed(name)
    if viewer is None:
        return written, None
    row = await state.store.followed_tags.get(viewer.id, key)
    return (row["display_name"] if row else written), row is not None


async def follow(state: State, account: Account, name: str) -> str:
    """Follow a hashtag; following it again changes nothing. Returns its display name."""
    key, written = _parsed(name)
    await state.store.followed_tags.follow(account.id, key, written)
    row = await state.store.followed_tags.get(account.id, key)
    return row["display_name"] if row else written


async def unfollow(state: State, account: Account, name: str) -> str:
    """Stop following a hashtag, taking out of the home feed what only the tag brought."""
    key, written = _parsed(name)

    async def write(tx):
        if await tx.followed_tags.unfollow(account.id, key):
            await tx.followed_tags.unmerge(account.id, key)

    await state.store.atomic(write)
    return written


async def tag_readers(tx, status: Status, readers: list[str]) -> list[str]:
    """Home feeds a new post joins through its hashtags, besides `readers`: only an original
    public (or local-only) post goes to its tags' followers (all of them local accounts), and
    not to those who block or mute (or are blocked by) its author or an account it mentions."""
    if status.visibility not in ("public", "local") or status.reblog_of_id or not status.tags:
        return []
    already, involved = set(readers), [status.account_id, *(status.mention_ids or [])]
    out = []
    for account_id in await tx.followed_tags.followers(t.lower() for t in status.tags):
        if account_id in already or await _shuns(tx, account_id, involved):
            continue
        out.append(account_id)
    return out


async def _shuns(tx, reader_id: str, account_ids: list[str]) -> bool:
    for other in dict.fromkeys(account_ids):
        if other == reader_id:
            continue
        if await tx.blocks.either_way(reader_id, other) or await tx.mutes.get(reader_id, other):
            return True
    return False


# --------------------------------------------------------------------------- featuring

async def feature(state: State, account: Account, name: str) -> dict:
    """Feature a hashtag on the account's profile (at most MAX_FEATURED); a tag featured
    already is refused, as on Mastodon. Returns the featured tag with its use."""
    found = parse(name)
    if found is None:
        raise ServiceError("Validation failed: Name is not a valid hashtag")
    key, written = found

    async def add(tx) -> str:
        if await tx.featured_tags.count(account.id) >= MAX_FEATURED:
            raise ServiceError(f"Validation failed: At most {MAX_FEATURED} hashtags can be featured")
        tag_id = await tx.featured_tags.add(account.id, key, written)
        if tag_id is None:
            raise ServiceError("Validation failed: Name has already been taken")
        return tag_id

    tag_id = await state.store.atomic(add)
    return await state.store.featured_tags.get(account.id, tag_id)


async def feature_name(state: State, account: Account, name: str) -> str:
    """Feature a hashtag by name, keeping it if it is featured already; its display name."""
    key, written = _parsed(name)
    if not any(t["name"] == key for t in await state.store.featured_tags.of(account.id)):
        await feature(state, account, written)
    return written


async def unfeature(state: State, account: Account, tag_id: str) -> None:
    if not await state.store.featured_tags.remove(account.id, tag_id):
        raise NotFound("Record not found")


async def unfeature_name(state: State, account: Account, name: str) -> str:
    key, written = _parsed(name)
    await state.store.featured_tags.remove_name(account.id, key)
    return written


async def featured(state: State, account: Account) -> list[dict]:
    """An account's featured tags; remote accounts' are not known here, suspended ones show none."""
    if not account.local or account.suspended:
        return []
    return await state.store.featured_tags.of(account.id)


async def suggested(state: State, account: Account, limit: int = 10) -> list[str]:
    """Tags to feature: those of the account's own posts, most recently used first."""
    return await state.store.featured_tags.recently_used(account.id, limit)


async def followed(state: State, account: Account, **paging) -> list[dict]:
    """The hashtags the account follows ({id, name, display_name}), most recently followed first."""
    return await state.store.followed_tags.page(account.id, **paging)


async def followed_among(state: State, account: Account, names: list[str]) -> set[str]:
    """Those of these hashtags (lowercase names) the account follows, in one query."""
    return await state.store.followed_tags.among(account.id, names)

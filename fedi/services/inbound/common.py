"""Helpers shared by the inbound activity handlers."""

from __future__ import annotations

from fedi.activitypub.audience import recipients
from fedi.activitypub.parse import id_of
from fedi.activitypub.vocab import is_public
from fedi.models import Account
from fedi.services.state import State


class Ignored(Exception):
    """The activity is understood but not acted on (reason in str())."""


def object_id(activity: dict) -> str:
    oid = id_of(activity.get("object"))
    if not oid:
        raise Ignored("activity has no object id")
    return oid


def embedded(activity: dict) -> dict | None:
    obj = activity.get("object")
    return obj if isinstance(obj, dict) else None


async def local_recipients(state: State, doc: dict, actor: Account, *,
                           followers: list[str] | None = None) -> list[str]:
    """Local account ids this activity is addressed to, directly or as followers of the actor
    (`followers`: the actor's local followers, when the caller has read them)."""
    ids: list[str] = []
    followers_included = False
    for uri in recipients(doc):
        if is_public(uri) or (actor.followers_url and uri == actor.followers_url):
            followers_included = True
            continue
        if state.urls.username_of(uri):
            account = await state.store.accounts.by_uri(uri)
            if account is not None:
                ids.append(account.id)
    if followers_included:
        ids.extend(followers if followers is not None else await state.store.follows.local_followers(actor.id))
    return list(dict.fromkeys(ids))


async def local_account(state: State, uri: str | None) -> Account | None:
    if not uri or not state.urls.username_of(uri):
        return None
    account = await state.store.accounts.by_uri(uri)
    return None if account is None or account.suspended else account

"""Keeping copies of remote actors: the account, its professional profile, and the checks of
its profile links (and of the links other accounts make to it) that a change calls for."""

from __future__ import annotations

from fedi.activitypub import professional as wire
from fedi.activitypub.parse import InvalidDocument, actor_to_account, id_of
from fedi.ids import new_id
from fedi.models import Account
from fedi.services import link_verification, professional
from fedi.services.errors import Unavailable
from fedi.services.state import State


def _links_here(state: State, account: Account) -> bool:
    """Whether the actor's aliases or field links point at this server."""
    urls = list(account.also_known_as) + [link_verification.field_link(f.get("value", "")) or ""
                                          for f in account.fields]
    return any(u and state.urls.is_local(u) for u in urls)


async def store(state: State, doc: dict, *, account_id: str | None = None) -> Account:
    """Store (or refresh) the remote actor `doc`, whose id was already checked against its
    origin. Raises Unavailable for a document that is not a usable actor."""
    uri = id_of(doc)
    stored = await state.store.accounts.by_uri(uri) if uri else None
    if stored is not None and stored.local:
        raise Unavailable("remote copy of a local actor")
    try:
        fresh = actor_to_account(doc, account_id or (stored.id if stored else new_id()))
    except InvalidDocument as exc:
        raise Unavailable(f"{uri}: {exc}") from None
    parsed = wire.parse(doc, fresh.id)
    check_in = link_verification.remote_check_delay(stored, fresh)
    if check_in and _links_here(state, fresh):
        check_in = 0.0  # it names an account here: no reason to wait
    relinked = stored is not None and link_verification.links_changed(stored, fresh)

    async def write(tx):
        current = await tx.accounts.by_uri(fresh.uri)
        if current is not None:
            # Verified since `stored` was read (a check running alongside this refresh): keep it.
            fresh.fields = link_verification.carry_over(current.fields, fresh.fields)
        clash = await tx.accounts.by_handle(fresh.username, fresh.domain)
        if clash and clash.uri != fresh.uri:
            # Another actor held this handle before: the newer document wins it.
            await tx.accounts.update(clash.id, username=f"{clash.username}~{clash.id}")
        account = await tx.accounts.upsert_remote(fresh)
        if parsed is None:
            await tx.professional_profiles.delete(account.id)
        else:
            parsed.account_id = account.id
            await tx.professional_profiles.replace(professional.from_remote(parsed))
        if relinked:
            await link_verification.enqueue(state, account.id, tx, recheck=True)
            await link_verification.enqueue_linking(state, account, tx)
        elif check_in is not None:
            await link_verification.enqueue(state, account.id, tx, delay=check_in)
        return account

    account = await state.store.atomic(write)
    if relinked or check_in == 0.0:
        state.notify_queue(link_verification.QUEUE)
    return account

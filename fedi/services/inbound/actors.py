"""Update and Delete of remote actors (profile changes, key rotation, account deletion)."""

from __future__ import annotations

from fedi.activitypub.parse import id_of
from fedi.models import Account
from fedi.services import remote_actors
from fedi.services.errors import Unavailable
from fedi.services.inbound.common import Ignored, embedded
from fedi.services.state import State


async def on_update_actor(state: State, activity: dict, actor: Account) -> None:
    obj = embedded(activity)
    if obj is None or id_of(obj) != actor.uri:
        raise Ignored("actors may only update themselves")
    try:
        fresh = await remote_actors.store(state, obj, account_id=actor.id)
    except Unavailable as exc:
        raise Ignored(str(exc)) from None
    if state.resolver is not None:
        state.resolver.forget_key(actor.public_key_id)
        state.resolver.forget_key(fresh.public_key_id)


async def delete_actor(state: State, actor: Account) -> None:
    if actor.local:
        raise Ignored("a remote peer cannot delete a local account")
    if state.resolver is not None:
        state.resolver.forget_key(actor.public_key_id)

    async def write(tx):
        await tx.statuses.delete_by_account(actor.id)
        await tx.accounts.delete(actor.id)

    await state.store.atomic(write)

"""Processing of accepted inbound activities: one small handler per type."""

from __future__ import annotations

import logging

from fedi.activitypub.parse import first_type, id_of
from fedi.activitypub.vocab import ACTOR_TYPES, NOTE_TYPES
from fedi.models import Account
from fedi.services.inbound import actors, flags, follows, notes, reactions
from fedi.services.inbound.common import Ignored, embedded
from fedi.services.state import State

log = logging.getLogger(__name__)

HANDLERS = {
    "Follow": follows.on_follow,
    "Accept": follows.on_accept,
    "Reject": follows.on_reject,
    "Block": follows.on_block,
    "Create": notes.on_create,
    "Delete": notes.on_delete,
    "Like": reactions.on_like,
    "Announce": reactions.on_announce,
    "Add": reactions.on_add,
    "Remove": reactions.on_remove,
    "Flag": flags.on_flag,
}

UNDO_HANDLERS = {
    "Follow": follows.undo_follow,
    "Like": reactions.undo_like,
    "Announce": reactions.undo_announce,
    "Block": follows.undo_block,
}


async def on_update(state: State, activity: dict, actor: Account) -> None:
    obj = embedded(activity)
    kind = first_type(obj) if obj else ""
    if kind in ACTOR_TYPES:
        await actors.on_update_actor(state, activity, actor)
    elif kind in NOTE_TYPES or obj is None:
        await notes.on_update_note(state, activity, actor)
    else:
        raise Ignored(f"Update of {kind} is not handled")


async def on_undo(state: State, activity: dict, actor: Account) -> None:
    inner = embedded(activity)
    if inner is None:
        # Only an id: look the original up among what we stored.
        ref = id_of(activity.get("object")) or ""
        for kind, handler in UNDO_HANDLERS.items():
            try:
                await handler(state, {"id": ref, "type": kind}, actor)
                return
            except Ignored:
                continue
        raise Ignored("undo of something unknown")
    if id_of(inner.get("actor")) not in (None, actor.uri):
        raise Ignored("actors may only undo their own activities")
    handler = UNDO_HANDLERS.get(first_type(inner))
    if handler is None:
        raise Ignored(f"Undo of {first_type(inner)} is not handled")
    await handler(state, inner, actor)


HANDLERS["Update"] = on_update
HANDLERS["Undo"] = on_undo


async def process(state: State, activity: dict, actor: Account) -> str:
    """Apply one activity. Returns 'done' or a reason it was ignored."""
    handler = HANDLERS.get(first_type(activity))
    if handler is None:
        return f"ignored: {first_type(activity) or 'untyped'} activities are not handled"
    if actor.suspended and first_type(activity) != "Delete":  # suspended by an admin here
        return "ignored: the actor is suspended"
    try:
        await handler(state, activity, actor)
    except Ignored as exc:
        log.info("%s %s ignored: %s", first_type(activity), activity.get("id"), exc)
        return f"ignored: {exc}"
    return "done"

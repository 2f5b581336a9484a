"""What accounts are to a reader: follows either way, blocks, mutes, endorsements, notes."""

from __future__ import annotations

from fedi.models import Account, Relationship
from fedi.services.state import State


async def between(state: State, viewer: Account, targets: list[Account]) -> dict[str, Relationship]:
    """The reader's relationship with each of these accounts, by id, in one query."""
    facts = await state.store.pages.relationships(viewer.id, list(dict.fromkeys(t.id for t in targets)))
    out = {}
    for target in targets:
        f = facts[target.id]
        out[target.id] = Relationship(
            following=f["follow"] == "accepted", requested=f["follow"] == "pending",
            notifying=f["follow"] is not None and f["notify"],
            followed_by=f["followed_by"] == "accepted", requested_by=f["followed_by"] == "pending",
            blocking=f["blocking"], blocked_by=f["blocked_by"], muting=f["muting"],
            muting_notifications=f["muting_notifications"],
            domain_blocking=bool(target.domain) and f["domain_blocking"],
            endorsed=f["endorsed"], note=f["note"])
    return out


async def of(state: State, viewer: Account, target: Account) -> Relationship:
    return (await between(state, viewer, [target]))[target.id]

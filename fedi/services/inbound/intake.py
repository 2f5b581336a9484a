"""Taking a verified delivery into the durable inbox queue.

A delivery is accepted once per signature and once per activity id: the signature is
remembered (in the database, so every process sees it) for as long as it could still
verify, and a request that repeats it is a replay, refused before the activity id is
even looked at. The signature and the queued job are written in one transaction, so a
delivery that fails to be queued can be sent again with the same signature.
"""

from __future__ import annotations

import time

from fedi.activitypub.parse import host_of
from fedi.services import queues
from fedi.services.state import State

INBOX_QUEUE = queues.INBOX
QUEUED, DUPLICATE, REPLAYED = "queued", "duplicate", "replayed"


async def accept(state: State, activity: dict, actor_uri: str, *, dedup_key: str,
                 fingerprint: str, remember_for: float) -> str:
    """QUEUED, DUPLICATE (the activity was queued before: it is processed once) or REPLAYED
    (this very signature was accepted before: nothing is done)."""
    host = host_of(actor_uri)

    new_signature, fresh = await state.store.jobs.enqueue_signed(
        INBOX_QUEUE, {"activity": activity, "actor": actor_uri}, dedup_key=dedup_key, host=host,
        fingerprint=fingerprint or None, remember_until=time.time() + remember_for)
    outcome = QUEUED if fresh else DUPLICATE if new_signature else REPLAYED
    if outcome == QUEUED:
        state.notify_queue(INBOX_QUEUE)
    return outcome


async def forget_expired_signatures(state: State) -> None:
    """A housekeeping chore: drop remembered signatures that can no longer verify."""
    await state.store.seen_signatures.purge(time.time())

"""What happens to a poll after it is posted: fresh counts for other servers, and its end.

Both run as durable jobs: `poll_update` (debounced, after votes) sends an
Update(Question) with the current counts to the post's audience; `poll_end`
(at the poll's end) sends the final counts and notifies local voters and a
local author, as Mastodon's `poll` notifications.
"""

from __future__ import annotations

import time

from fedi.activitypub import render
from fedi.ids import new_id
from fedi.models import Job
from fedi.services import fanout, queues
from fedi.services.state import State

UPDATE_QUEUE, END_QUEUE = queues.POLL_UPDATE, queues.POLL_END
UPDATE_DELAY = 30.0  # seconds: votes arriving together share one Update


async def schedule_end(tx, status_id: str, expires_at: float | None) -> None:
    if expires_at:
        await tx.jobs.enqueue(END_QUEUE, {"status_id": status_id}, dedup_key=f"{END_QUEUE}:{status_id}",
                              run_at=expires_at)


async def schedule_update(tx, status_id: str) -> None:
    window = int(time.time() // UPDATE_DELAY)
    await tx.jobs.enqueue(UPDATE_QUEUE, {"status_id": status_id}, dedup_key=f"{UPDATE_QUEUE}:{status_id}:{window}",
                          run_at=time.time() + UPDATE_DELAY)


async def _send_counts(state: State, tx, status) -> None:
    """Federate the poll's current counts to the post's audience (local polls only)."""
    author = await tx.accounts.get(status.account_id)
    if author is None or not status.local:
        return
    mentioned = list((await tx.accounts.get_many(status.mention_ids)).values())
    note = render.note(status, author, state.urls, mentioned=mentioned, poll=await tx.polls.get(status.id))
    activity = render.activity("Update", state.urls.activity(new_id()), author.uri, note,
                               to=note["to"], cc=note["cc"], published=time.time())
    inboxes: list[str] = []
    if status.visibility != "direct":
        inboxes = list(await tx.follows.follower_inboxes(author.id))
    for account in mentioned:
        fanout.add_account(account, inboxes, [])
    await fanout.publish(state, tx, author, activity, inboxes=inboxes, local_ids=[])


def make_update_handler(state: State):
    async def handle(job: Job) -> None:
        status = await state.store.statuses.get(job.payload["status_id"])
        if status is None or await state.store.polls.get(status.id) is None:
            return

        async def write(tx):
            await _send_counts(state, tx, status)

        await state.store.atomic(write)
        state.notify_queue(fanout.DELIVER_QUEUE)

    return handle


def make_end_handler(state: State):
    async def handle(job: Job) -> None:
        status = await state.store.statuses.get(job.payload["status_id"])
        if status is None or await state.store.polls.get(status.id) is None:
            return

        async def write(tx):
            readers = await tx.polls.local_voters(status.id)
            author = await tx.accounts.get(status.account_id)
            if author is not None and author.local:
                readers.append(author.id)
            for account_id in dict.fromkeys(readers):
                await fanout.notify(state, tx, account_id, "poll", status.account_id, status.id)
            await _send_counts(state, tx, status)

        await state.store.atomic(write)
        state.notify_queue(fanout.DELIVER_QUEUE)

    return handle

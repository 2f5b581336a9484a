"""Polls: checking a new poll's options, voting (locally or on a remote author's poll),
and counting the votes peers send for local polls."""

from __future__ import annotations

import time

from fedi.activitypub import render
from fedi.ids import new_id
from fedi.models import Account, Status
from fedi.services import fanout, poll_lifecycle
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State
from fedi.services.visibility import can_view, local_only

MAX_OPTIONS = 4
MAX_OPTION_CHARS = 50
MIN_EXPIRATION = 300
MAX_EXPIRATION = 2629746


def validated(options, expires_in, *, multiple: bool = False, hide_totals: bool = False) -> dict:
    """A poll to attach to a new post, from client parameters; ServiceError if out of bounds."""
    options = [str(o).strip() for o in (options or [])]
    if not MAX_OPTIONS >= len(options) >= 2:
        raise ServiceError(f"Validation failed: a poll needs 2 to {MAX_OPTIONS} options")
    if any(not 0 < len(o) <= MAX_OPTION_CHARS for o in options):
        raise ServiceError(f"Validation failed: poll options must be 1 to {MAX_OPTION_CHARS} characters")
    if len(set(options)) != len(options):
        raise ServiceError("Validation failed: poll options must be different")
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        raise ServiceError("Validation failed: poll expires_in must be a number of seconds") from None
    if not MIN_EXPIRATION <= seconds <= MAX_EXPIRATION:
        raise ServiceError(f"Validation failed: a poll must last {MIN_EXPIRATION} to {MAX_EXPIRATION} seconds")
    return {"options": options, "counts": [0] * len(options), "multiple": bool(multiple),
            "hide_totals": bool(hide_totals), "expires_at": time.time() + seconds, "voters_count": 0}


async def store(tx, status_id: str, poll: dict, *, hide_totals: bool | None = None) -> None:
    """Create or refresh the poll row of a status (inside the caller's transaction), and
    make sure its end is scheduled."""
    await poll_lifecycle.schedule_end(tx, status_id, poll.get("expires_at"))
    await tx.polls.put(status_id, poll["options"], multiple=poll["multiple"], expires_at=poll["expires_at"],
                       counts=poll.get("counts"), voters_count=poll.get("voters_count") or 0,
                       hide_totals=poll.get("hide_totals", False) if hide_totals is None else hide_totals)


def expired(poll: dict, now: float | None = None) -> bool:
    return poll["expires_at"] is not None and poll["expires_at"] <= (now or time.time())


def _checked_choices(poll: dict, choices) -> list[int]:
    try:
        picked = [int(c) for c in choices]
    except (TypeError, ValueError):
        raise ServiceError("Validation failed: choices must be option indexes") from None
    if not picked or any(not 0 <= c < len(poll["options"]) for c in picked):
        raise ServiceError("Validation failed: that choice is not in the poll")
    if len(set(picked)) != len(picked) or (len(picked) > 1 and not poll["multiple"]):
        raise ServiceError("Validation failed: this poll takes a single choice")
    return picked


async def vote(state: State, voter: Account, status: Status, choices) -> dict:
    """Vote in the poll of `status`; returns the poll as it stands after the vote."""
    poll = await state.store.polls.get(status.id)
    if poll is None or not await can_view(state.store, status, voter):
        raise NotFound("Record not found")
    if expired(poll):
        raise ServiceError("Validation failed: the poll has already ended")
    if status.account_id == voter.id:
        raise ServiceError("Validation failed: you cannot vote in your own poll")
    picked = _checked_choices(poll, choices)
    if (await state.store.polls.votes_of(voter.id, [status.id])).get(status.id):
        raise ServiceError("Validation failed: you have already voted in this poll")
    author = await state.store.accounts.get(status.account_id)
    notes = [] if status.local else [_vote_note(voter, author, status, poll["options"][c]) for c in picked]

    async def write(tx):
        await tx.polls.add_votes(status.id, voter.id, picked, [n["id"] for n in notes] or None)
        if status.local:
            await poll_lifecycle.schedule_update(tx, status.id)
        for doc in notes:
            activity = render.activity("Create", f"{doc['id']}/activity", voter.uri, doc, to=doc["to"])
            inboxes: list[str] = []
            fanout.add_account(author, inboxes, [])
            await fanout.publish(state, tx, voter, activity, inboxes=inboxes, local_ids=[])

    await state.store.atomic(write)
    if notes:
        state.notify_queue(fanout.DELIVER_QUEUE)
    return await state.store.polls.get(status.id)


def _vote_note(voter: Account, author: Account, status: Status, title: str) -> dict:
    """A vote as Mastodon sends it: a Note named after the option, replying to the Question."""
    return {"id": f"{voter.uri}#votes/{new_id()}", "type": "Note", "name": title,
            "attributedTo": voter.uri, "inReplyTo": status.uri, "to": [author.uri]}


def is_vote(doc: dict) -> bool:
    """A Note with a name, a parent and no content: how peers vote in a poll."""
    return (doc.get("type") == "Note" and isinstance(doc.get("name"), str) and bool(doc.get("inReplyTo"))
            and not doc.get("content"))


async def count_remote_vote(state: State, doc: dict, voter: Account) -> bool:
    """Count a peer's vote in a local poll, once per voter and option; False if it is no vote here."""
    parent_uri = doc.get("inReplyTo") if isinstance(doc.get("inReplyTo"), str) else None
    if not parent_uri or not state.urls.is_local(parent_uri):
        return False
    status = await state.store.statuses.by_uri(parent_uri)
    poll = await state.store.polls.get(status.id) if status is not None and status.local else None
    if poll is None:
        return False
    if expired(poll) or voter.local or local_only(status) or doc["name"] not in poll["options"]:
        return True  # a vote, but not one to count (no other server may see a local-only poll)
    choice = poll["options"].index(doc["name"])

    async def write(tx):
        if not poll["multiple"] and (await tx.polls.votes_of(voter.id, [status.id])).get(status.id):
            return
        await tx.polls.add_votes(status.id, voter.id, [choice], [doc.get("id")])
        await poll_lifecycle.schedule_update(tx, status.id)

    await state.store.atomic(write)
    return True


async def note_poll(state: State, status: Status) -> dict | None:
    """The poll to render into a local status's Note (None: a plain Note)."""
    return await state.store.polls.get(status.id)


async def shown(state: State, status_id: str, viewer: Account | None) -> tuple[Status, dict]:
    """The status carrying the poll with this id and its poll, when the viewer may see the
    status (NotFound otherwise)."""
    status = await state.store.statuses.get(status_id)
    poll = await state.store.polls.get(status_id) if status is not None else None
    if poll is None or not await can_view(state.store, status, viewer):
        raise NotFound("Record not found")
    return status, poll


async def own_votes(state: State, viewer: Account | None, status: Status) -> list[int] | None:
    """The viewer's choices in the poll of `status` (None without a viewer, or before voting)."""
    if viewer is None:
        return None
    return (await state.store.polls.votes_of(viewer.id, [status.id])).get(status.id)

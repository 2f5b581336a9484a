"""Scheduled posts: kept as durable jobs that publish at their time (so they survive restarts)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from fedi.models import Account, Job
from fedi.services import polls, queues, statuses
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State
from fedi.services.visibility import can_view

QUEUE = queues.SCHEDULED
MIN_AHEAD = 300  # seconds, as Mastodon requires
MAX_PENDING = 300


def parse_time(value) -> float:
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ServiceError("Validation failed: scheduled_at is not a date-time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _checked(at: float) -> float:
    if at < time.time() + MIN_AHEAD:
        raise ServiceError("Validation failed: Scheduled at must be at least 5 minutes in the future")
    return at


async def schedule(state: State, account: Account, params: dict, at: float) -> dict:
    """Keep a post for later. `params` are the client's post parameters (JSON-serialisable)."""
    _checked(at)
    if len(await state.store.jobs.owned(QUEUE, account.id)) >= MAX_PENDING:
        raise ServiceError("Validation failed: too many scheduled posts")
    statuses.check_summary(params.get("spoiler_text"))  # refuse now what publishing would refuse
    if params.get("poll"):
        raw = params["poll"]
        polls.validated(raw.get("options") or [], raw.get("expires_in"))  # refuse a bad poll now
    job_id = await state.store.jobs.enqueue(QUEUE, {"account_id": account.id, "params": params}, run_at=at,
                                            returning_id=True)
    state.notify_queue(QUEUE)
    return await get(state, account, job_id)


async def list_for(state: State, account: Account) -> list[dict]:
    return [_record(j) for j in await state.store.jobs.owned(QUEUE, account.id)]


async def get(state: State, account: Account, job_id: str) -> dict:
    job = await state.store.jobs.get(job_id)
    if job is None or job["queue"] != QUEUE or job["state"] != "pending" or \
            job["payload"].get("account_id") != account.id:
        raise NotFound("Record not found")
    return _record(job)


async def reschedule(state: State, account: Account, job_id: str, at: float) -> dict:
    await get(state, account, job_id)
    await state.store.jobs.reschedule(job_id, _checked(at))
    return await get(state, account, job_id)


async def cancel(state: State, account: Account, job_id: str) -> None:
    await get(state, account, job_id)
    await state.store.jobs.fail(job_id, "cancelled by the author")


def _record(job) -> dict:
    return {"id": job["id"], "scheduled_at": job["next_attempt_at"], "params": job["payload"]["params"]}


def make_handler(state: State):
    async def publish(job: Job) -> None:
        account = await state.store.accounts.get(job.payload["account_id"])
        if account is None or account.suspended:
            return
        p = job.payload["params"]
        reply_to = None
        if p.get("in_reply_to_id"):
            reply_to = await state.store.statuses.get(str(p["in_reply_to_id"]))
            if reply_to is None or not await can_view(state.store, reply_to, account):
                reply_to = None
        poll = None
        if p.get("poll"):
            raw = p["poll"]
            poll = polls.validated(raw.get("options") or [], raw.get("expires_in"),
                                   multiple=bool(raw.get("multiple")), hide_totals=bool(raw.get("hide_totals")))
        await statuses.create(
            state, account, p.get("text") or "", visibility=p.get("visibility"), in_reply_to=reply_to,
            summary=p.get("spoiler_text") or "", sensitive=bool(p.get("sensitive")),
            language=p.get("language"), media_ids=p.get("media_ids") or [], poll=poll,
        )

    return publish

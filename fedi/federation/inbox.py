"""Inbox intake (shared and per user) and the handler that processes accepted activities.

Intake order: size cap, JSON parse, signature (made for this server, within the time
window), origin checks, then the signature and the activity are committed together to
the durable `inbox` queue and 202 returned. A replayed signature is refused with 401.
"""

from __future__ import annotations

import hashlib
import json
import logging

from aiohttp import web

from fedi.activitypub.parse import InvalidDocument, first_type, host_of, id_of, loads
from fedi.appkeys import DELIVERER, STATE, VERIFIER
from fedi.federation.http import error, read_body, verify_request
from fedi.federation.client import FetchError
from fedi.jobs.backoff import Permanent, Retry
from fedi.models import Job
from fedi.services import known_accounts, remote
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.services.inbound import intake
from fedi.services.inbound.dispatch import process
from fedi.services.state import State

log = logging.getLogger(__name__)
INBOX_QUEUE = intake.INBOX_QUEUE
# Mastodon sends these without an id: Add/Remove to an actor's featured collection (pinned
# posts, featured hashtags, featured collections). Every other activity needs one.
IDLESS_TYPES = frozenset({"Add", "Remove"})


def idless_key(doc: dict, signer: str, fingerprint: str) -> str:
    """The dedup key of an activity without an id: its canonical body, its signer and its
    signature. The same body sent again later (a post pinned, unpinned and pinned again)
    is signed anew, so it is a new activity."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256("\n".join((canonical, signer, fingerprint)).encode()).hexdigest()
    return f"idless:{digest}"


async def post_inbox(request: web.Request) -> web.Response:
    state: State = request.app[STATE]
    username = request.match_info.get("username")
    if username is not None:
        account = await known_accounts.by_handle(state, username)
        if account is None or account.suspended:  # as its actor: a suspended account has none
            return error(404, "no such inbox")
    body = await read_body(request)
    try:
        doc = loads(body)
    except InvalidDocument as exc:
        return error(400, str(exc))
    actor_uri = id_of(doc.get("actor"))
    if not actor_uri:
        return error(400, "activity has no actor")
    if state.domain_blocked(host_of(actor_uri)):
        return error(403, "your domain is not allowed to deliver here")
    try:
        verified = await verify_request(request, body)
    except web.HTTPUnauthorized:
        if first_type(doc) == "Delete" and id_of(doc.get("object")) == actor_uri:
            # An account we never knew, deleted: nothing to verify, nothing to do.
            if await known_accounts.by_uri(state, actor_uri) is None:
                return web.Response(status=202)
        raise
    signer = verified.owner
    if signer != actor_uri:
        return error(401, "the signature does not belong to the activity's actor")
    activity_id = id_of(doc)
    if doc.get("id") is None and first_type(doc) in IDLESS_TYPES:
        dedup_key = idless_key(doc, signer, verified.fingerprint)
    elif not activity_id or host_of(activity_id) != host_of(actor_uri):
        return error(400, "activity id missing or not on the actor's host")
    else:
        dedup_key = activity_id
    outcome = await intake.accept(state, doc, actor_uri, dedup_key=dedup_key, fingerprint=verified.fingerprint,
                                  remember_for=request.app[VERIFIER].window)
    if outcome == intake.REPLAYED:
        return error(401, "signature rejected: this signed request was already received")
    await request.app[DELIVERER].host_answered(host_of(actor_uri))
    return web.Response(status=202)


def make_handler(state: State):
    async def handle(job: Job) -> None:
        activity, actor_uri = job.payload["activity"], job.payload["actor"]
        try:
            actor = await remote.account_by_uri(state, actor_uri)
            outcome = await process(state, activity, actor)
        except NotFound as exc:
            raise Permanent(str(exc)) from None
        except (Unavailable, FetchError) as exc:
            raise Retry(str(exc)) from None
        except ServiceError as exc:
            raise Permanent(str(exc)) from None
        if outcome != "done":
            log.debug("inbox job %s: %s", job.id, outcome)

    return handle

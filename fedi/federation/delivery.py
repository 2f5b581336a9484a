"""Delivering one activity to one inbox: the handler of the `deliver` queue.

Signed at send time so the Date is fresh. The signature scheme per host comes
from SchemeMemory; if a peer refuses an RFC 9421 signature, the same request is
sent again with draft-cavage ("double knock") and that is remembered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, defaultdict

from fedi.activitypub.rfc9421 import sign_request_rfc9421
from fedi.activitypub.signatures import sign_request
from fedi.activitypub.vocab import AP_CONTENT_TYPE
from fedi.federation.client import FetchError, HttpClient, RefusedAddress, parse_retry_after
from fedi.federation.schemes import CAVAGE, REFUSED_STATUSES, RFC9421, SchemeMemory
from fedi.jobs.backoff import Permanent, Retry
from fedi.models import Job
from fedi.services import fanout, hosts
from fedi.services.accounts import signing_key
from fedi.services.errors import NotFound
from fedi.services.state import State

log = logging.getLogger(__name__)

SIGNERS = {CAVAGE: sign_request, RFC9421: sign_request_rfc9421}
FAILING_READ_EVERY = 30.0  # seconds
BODIES_KEPT = 32  # activities being fanned out whose bytes a worker keeps at hand


class Deliverer:
    def __init__(self, state: State, http: HttpClient, schemes: SchemeMemory):
        self.state = state
        self.http = http
        self.schemes = schemes
        cfg = state.config.delivery
        self.timeout = cfg.timeout
        self.unavailable_after = cfg.unavailable_after_days * 86400
        self._host_limits: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(cfg.per_host))
        self._healthy: set[str] = set()
        self._unavailable: set[str] | None = None
        self._failing: set[str] = set()  # hosts with failures on record, read every FAILING_READ_EVERY s
        self._failing_read_at = float("-inf")
        self._bodies: OrderedDict[str, bytes] = OrderedDict()  # ref -> the activity's JSON

    async def _body(self, payload: dict) -> bytes:
        """The bytes to send: one read per activity for all its deliveries (a stored activity
        never changes, so every worker may keep it)."""
        ref = payload.get("ref")
        if ref in self._bodies:
            self._bodies.move_to_end(ref)
            return self._bodies[ref]
        body = await fanout.delivered_body(self.state, payload)
        if body is None:
            raise Permanent("the activity is no longer stored")
        if ref is not None:
            self._bodies[ref] = body
            if len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        return body

    async def _post(self, inbox: str, body: bytes, signer_id: str, scheme: str):
        key_id, private_pem = await signing_key(self.state, signer_id)
        headers = {"Content-Type": AP_CONTENT_TYPE, "Accept": AP_CONTENT_TYPE}
        signed = SIGNERS[scheme]("POST", inbox, headers, body, key_id, private_pem)
        return await self.http.request("POST", inbox, headers=signed, body=body, timeout=self.timeout,
                                       max_body=64 * 1024, follow_redirects=False)

    async def is_unavailable(self, host: str) -> bool:
        if self._unavailable is None:
            self._unavailable = set(await hosts.unavailable(self.state))
        return host in self._unavailable

    async def handle(self, job: Job) -> None:
        inbox, signer_id = job.payload["inbox"], job.payload["signer"]
        host = job.host or ""
        if self.state.domain_blocked(host):
            raise Permanent(f"{host} is blocked")
        if await self.is_unavailable(host):
            raise Permanent(f"{host} is marked unavailable")
        body = await self._body(job.payload)
        async with self._host_limits[host]:
            try:
                response = await self._send(host, inbox, body, signer_id)
            except NotFound:
                raise Permanent("the signing account no longer exists") from None
            except RefusedAddress as exc:
                raise Permanent(str(exc)) from None
            except FetchError as exc:
                await self._failed(host)
                raise Retry(f"{host}: {exc}", after=exc.retry_after) from None
        await self._classify(host, response)

    async def _send(self, host: str, inbox: str, body: bytes, signer_id: str):
        scheme = await self.schemes.for_post(host)
        response = await self._post(inbox, body, signer_id, scheme)
        if scheme == RFC9421 and response.status in REFUSED_STATUSES:
            response = await self._post(inbox, body, signer_id, CAVAGE)
            if response.status < 300:
                await self.schemes.learn(host, CAVAGE)
        return response

    async def _classify(self, host: str, response) -> None:
        status = response.status
        if status < 300:
            if host not in self._healthy:
                self._healthy.add(host)
                if await self._has_failed(host):  # else there is nothing to forget
                    self._failing.discard(host)
                    await hosts.record_success(self.state, host)
            return
        if status in (408, 429) or status >= 500:
            await self._failed(host)
            raise Retry(f"{host} answered {status}", after=parse_retry_after(response.headers.get("Retry-After")))
        raise Permanent(f"{host} answered {status}: {response.body[:200]!r}")

    async def _has_failed(self, host: str) -> bool:
        """Whether the host has failures on record (as of a few seconds ago at most: another
        process may have recorded some since; a later success forgets them)."""
        now = time.monotonic()
        if now - self._failing_read_at > FAILING_READ_EVERY:
            self._failing = {h.domain for h in await hosts.failing(self.state)}
            self._failing_read_at = now
        return host in self._failing

    async def _failed(self, host: str) -> None:
        self._healthy.discard(host)
        self._failing.add(host)
        if await hosts.record_failure(self.state, host, self.unavailable_after):
            if self._unavailable is not None:
                self._unavailable.add(host)
            log.warning("%s has failed for %.0f days; marked unavailable", host,
                        self.unavailable_after / 86400)

    async def host_answered(self, host: str) -> None:
        """A host we marked unavailable has talked to us: deliver to it again."""
        if await self.is_unavailable(host):
            self._unavailable.discard(host)
            self._healthy.add(host)
            await hosts.record_success(self.state, host)

"""Remote public keys for verifying signatures: where they may come from, and how often.

* **Origin.** A key is taken only from a document served from the keyId's own host
  (and port), after any redirects, and whose owner is an actor on that same
  origin that lists the key as its own. A keyId that redirects elsewhere is refused.
* **Caching.** Keys are kept in memory (the stored actor is the durable copy); a key that
  cannot be had is remembered as missing for a few minutes. Concurrent requests for the
  same unknown key share one fetch.
* **Forgeries.** A signature that fails with the key we hold asks for a fresh copy (the
  actor may have rotated it). Such re-fetches are rate-limited per key, per host and in
  all, and a re-fetch that fails (the peer is briefly unreachable) keeps the stored key:
  a flood of forged signatures costs neither outbound requests nor the real sender's
  deliveries. The stored key stays usable even when its origin says the actor is gone,
  since that is how an account's own Delete arrives.

The limits are per process; with several processes each keeps its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Protocol
from urllib.parse import urldefrag

from fedi.activitypub.parse import first_type, host_of, id_of, public_key_of, same_origin
from fedi.activitypub.vocab import ACTOR_TYPES
from fedi.federation.client import FetchError
from fedi.models import Account
from fedi.services import known_accounts
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State

log = logging.getLogger(__name__)

CACHE_SIZE = 10_000
MISSING_TTL = 300.0
REFRESH_PER_KEY = 300.0  # seconds between forced re-fetches of one key
REFRESH_PER_HOST = (10, 10 / 60)  # burst, then per second, for one host's keys
REFRESH_TOTAL = (60, 1.0)  # burst, then per second, for all hosts together
FETCH_PER_HOST = (60, 1.0)  # first fetches of unknown keys, per host


class Documents(Protocol):
    """What keys need of the dereferencer (fedi.federation.dereference.Dereferencer)."""

    state: State

    async def get_document(self, uri: str) -> tuple[str, dict]: ...
    async def actor(self, uri: str, *, refresh: bool = False) -> Account: ...
    async def store_actor(self, doc: dict) -> Account: ...


class KeyUnavailable(Exception):
    """The key's origin could not be asked (network trouble, rate limit): try again later."""


class Bucket:
    """A token bucket: `burst` at once, then `rate` per second."""

    def __init__(self, burst: float, rate: float, clock=time.monotonic):
        self.burst, self.rate, self.clock = burst, rate, clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Buckets:
    """One bucket per name, the least recently used forgotten past `size`."""

    def __init__(self, burst: float, rate: float, size: int = 10_000, clock=time.monotonic):
        self.burst, self.rate, self.size, self.clock = burst, rate, size, clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, name: str) -> bool:
        bucket = self._buckets.pop(name, None) or Bucket(self.burst, self.rate, self.clock)
        self._buckets[name] = bucket
        while len(self._buckets) > self.size:
            self._buckets.popitem(last=False)
        return bucket.take()


class Keys:
    """The key retriever of the signature verifier: `await keys(key_id, refresh)`."""

    def __init__(self, deref: Documents, clock=time.monotonic):
        self.deref = deref
        self.state = deref.state
        self.clock = clock
        self._cache: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._missing: dict[str, float] = {}
        self._inflight: dict[str, asyncio.Future] = {}
        self._refreshed: OrderedDict[str, float] = OrderedDict()
        self._refresh_hosts = Buckets(*REFRESH_PER_HOST, clock=clock)
        self._refresh_total = Bucket(*REFRESH_TOTAL, clock=clock)
        self._fetch_hosts = Buckets(*FETCH_PER_HOST, clock=clock)

    def forget(self, key_id: str | None) -> None:
        if key_id:
            self._cache.pop(key_id, None)
            self._missing.pop(key_id, None)

    async def __call__(self, key_id: str, refresh: bool) -> tuple[str, str] | None:
        state = self.state
        if state.domain_blocked(host_of(key_id)):
            return None
        cached = self._cache.get(key_id)
        if cached is not None and not refresh:
            return cached
        if key_id == state.urls.instance_key_id:
            return state.urls.instance_actor, state.instance_public_key
        held = cached or await self._stored(key_id)
        if not refresh:
            if held is not None or self._missing.get(key_id, 0) > self.clock():
                return held
            if not self._fetch_hosts.take(host_of(key_id)):
                log.info("key %s not fetched: too many unknown keys from its host", key_id)
                return None
            return await self._fetch_shared(key_id, remember_missing=True)
        if state.urls.is_local(key_id):
            return held
        if not self._may_refresh(key_id):
            return held
        try:
            return await self._fetch_shared(key_id, remember_missing=False)
        except KeyUnavailable:
            return held

    async def _stored(self, key_id: str) -> tuple[str, str] | None:
        found = await known_accounts.public_key(self.state, key_id)
        return self._remember(key_id, *found) if found is not None else None

    def _remember(self, key_id: str, owner: str, pem: str) -> tuple[str, str]:
        self._missing.pop(key_id, None)
        self._cache[key_id] = (owner, pem)
        self._cache.move_to_end(key_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return owner, pem

    def _may_refresh(self, key_id: str) -> bool:
        now = self.clock()
        last = self._refreshed.get(key_id)
        if last is not None and now - last < REFRESH_PER_KEY:
            return False
        if not self._refresh_hosts.take(host_of(key_id)) or not self._refresh_total.take():
            log.info("key %s not re-fetched: too many failed signatures lately", key_id)
            return False
        self._refreshed[key_id] = now
        self._refreshed.move_to_end(key_id)
        while len(self._refreshed) > CACHE_SIZE:
            self._refreshed.popitem(last=False)
        return True

    async def _fetch_shared(self, key_id: str, *, remember_missing: bool) -> tuple[str, str] | None:
        """Fetch the key once for all concurrent callers. A first fetch that finds nothing is
        remembered as missing; a re-fetch that cannot reach the origin raises KeyUnavailable."""
        task = self._inflight.get(key_id)
        if task is None:
            task = asyncio.ensure_future(self._fetch(key_id))
            self._inflight[key_id] = task
            task.add_done_callback(lambda _: self._inflight.pop(key_id, None))
        try:
            found = await asyncio.shield(task)
        except KeyUnavailable:
            if not remember_missing:
                raise
            found = None
        if found is None:
            if remember_missing:
                self._missing[key_id] = self.clock() + MISSING_TTL
            return None
        return self._remember(key_id, *found)

    async def _fetch(self, key_id: str) -> tuple[str, str] | None:
        """(owner, pem) from the key's origin; None when the origin says there is no such key."""
        try:
            return await self._from_origin(key_id)
        except NotFound as exc:
            log.info("key %s is gone: %s", key_id, exc)
            return None
        except (ServiceError, FetchError) as exc:
            log.info("key %s not retrieved: %s", key_id, exc)
            raise KeyUnavailable(str(exc)) from None
        except (ValueError, TypeError, KeyError) as exc:  # a document we cannot use
            log.info("key %s refused: %s", key_id, exc)
            return None

    async def _from_origin(self, key_id: str) -> tuple[str, str] | None:
        if self.state.urls.is_local(key_id):
            return None
        url = urldefrag(key_id)[0]
        try:
            final_url, doc = await self.deref.get_document(url)
        except FetchError as exc:
            if exc.status in (404, 410):
                raise NotFound(f"{url} answered {exc.status}") from None
            raise
        if not same_origin(final_url, key_id) or not same_origin(id_of(doc), key_id):
            log.info("key %s refused: served from %s as %s", key_id, final_url, id_of(doc))
            return None
        kid, owner, pem = public_key_of(doc)
        if not pem:
            return None
        if first_type(doc) in ACTOR_TYPES:
            if kid != key_id:
                return None
            if id_of(doc) in (url, final_url):
                account = await self.deref.store_actor(doc)
                return account.uri, pem
            # A stub at the key's address (GoToSocial): the actor itself is at its id.
            owner = id_of(doc)
        elif kid not in (key_id, url) or not same_origin(owner, key_id):
            return None
        account = await self.deref.actor(owner, refresh=True)
        if account.public_key_id != key_id or not account.public_key_pem:
            return None
        return account.uri, account.public_key_pem

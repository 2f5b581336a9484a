"""Which HTTP signature scheme each peer host speaks.

A host is taken to speak RFC 9421 once it has sent us a request we verified
with RFC 9421; a host that refused a 9421 signature is remembered as
draft-cavage only. Unknown hosts get draft-cavage on POST, which every
fediverse server verifies: some servers answer 2xx to a POST they could not
verify and drop it, so a refused 9421 POST is not always visible. GETs fail
visibly, so fetches try RFC 9421 first and fall back ("double knock").
"""

from __future__ import annotations

import time

from fedi.services import hosts
from fedi.services.state import State

CAVAGE, RFC9421 = "cavage", "rfc9421"
REFUSED_STATUSES = (400, 401, 403)


READ_EVERY = 300.0  # seconds between two readings of what every process has learnt


class SchemeMemory:
    """The schemes of all hosts, read at once (a fan-out to 1,000 new hosts then costs one
    query, not 1,000) and again every READ_EVERY seconds, for what other processes learnt."""

    def __init__(self, state: State):
        self.state = state
        self._known: dict[str, str] = {}
        self._read_at = float("-inf")

    async def get(self, host: str) -> str | None:
        now = time.monotonic()
        if now - self._read_at > READ_EVERY:
            self._read_at = now
            self._known = await hosts.signature_schemes(self.state)
        return self._known.get(host)

    async def learn(self, host: str, scheme: str) -> None:
        if not host or await self.get(host) == scheme:
            return
        self._known[host] = scheme
        await hosts.set_scheme(self.state, host, scheme)

    async def for_post(self, host: str) -> str:
        return RFC9421 if await self.get(host) == RFC9421 else CAVAGE

    async def for_get(self, host: str) -> str:
        return CAVAGE if await self.get(host) == CAVAGE else RFC9421

"""Which HTTP signature scheme each peer host speaks.

A host is taken to speak RFC 9421 once it has sent us a request we verified
with RFC 9421; a host that refused a 9421 signature is remembered as
draft-cavage only. Unknown hosts get draft-cavage on POST, which every
fediverse server verifies: some servers answer 2xx to a POST they could not
verify and drop it, so a refused 9421 POST is not always visible. GETs fail
visibly, so fetches try RFC 9421 first and fall back ("double knock").
"""

from __future__ import annotations

from fedi.services import hosts
from fedi.services.state import State

CAVAGE, RFC9421 = "cavage", "rfc9421"
REFUSED_STATUSES = (400, 401, 403)


class SchemeMemory:
    def __init__(self, state: State):
        self.state = state
        self._known: dict[str, str | None] = {}

    async def get(self, host: str) -> str | None:
        if host not in self._known:
            self._known[host] = await hosts.signature_scheme(self.state, host)
        return self._known[host]

    async def learn(self, host: str, scheme: str) -> None:
        if not host or await self.get(host) == scheme:
            return
        self._known[host] = scheme
        await hosts.set_scheme(self.state, host, scheme)

    async def for_post(self, host: str) -> str:
        return RFC9421 if await self.get(host) == RFC9421 else CAVAGE

    async def for_get(self, host: str) -> str:
        return CAVAGE if await self.get(host) == CAVAGE else RFC9421

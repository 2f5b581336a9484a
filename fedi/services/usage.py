"""How much this instance is used, and by whom, as its landing page and NodeInfo tell anyone
who asks: local accounts and posts, active users, the local accounts that want to be found."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fedi.models import Account
from fedi.services import known_accounts
from fedi.services.state import State

DAY = 86400
MONTH_DAYS, HALF_YEAR_DAYS = 30, 182
PEERS_COUNTED_EVERY = known_accounts.PEERS_LISTED_EVERY  # seconds
ACTIVE_COUNTED_EVERY = 60


@dataclass(frozen=True)
class Usage:
    users: int  # local accounts
    active_month: int  # local users active in the last 30 days
    active_halfyear: int  # ... in the last 182 days
    local_posts: int


async def local_accounts(state: State) -> int:
    return await state.store.accounts.count_local()


async def local_posts(state: State) -> int:
    """Posts by local accounts, boosts excluded, as their profiles count them (no scan of the
    posts: NodeInfo and the instance document are asked for by anyone, often)."""
    return await state.store.accounts.local_posts()


async def peer_domains(state: State, now: float | None = None) -> int:
    """How many other servers this one knows accounts of: the length of the peer list, which
    each process takes at most every PEERS_COUNTED_EVERY seconds (known_accounts)."""
    return len(await known_accounts.peer_domains(state, now))


async def active_users(state: State, days: int, now: float | None = None) -> int:
    """Local users active (who posted or boosted) in the last `days` days; counted at most
    every ACTIVE_COUNTED_EVERY seconds per process (it reads a row of every local user)."""
    now = now or time.time()
    taken = state.figures.get(f"active_{days}")
    if taken is None or not 0 <= now - taken[0] <= ACTIVE_COUNTED_EVERY:
        taken = state.figures[f"active_{days}"] = (now, await state.store.users.active_since(now - days * DAY))
    return taken[1]


async def usage(state: State, now: float | None = None) -> Usage:
    """The figures NodeInfo publishes."""
    now = now or time.time()
    return Usage(users=await local_accounts(state), active_month=await active_users(state, MONTH_DAYS, now),
                 active_halfyear=await active_users(state, HALF_YEAR_DAYS, now),
                 local_posts=await local_posts(state))


async def directory(state: State, limit: int = 30) -> list[Account]:
    """Local accounts that want to be found (discoverable, not suspended), as listed here."""
    return await state.store.accounts.local_directory(limit)

"""How much this instance is used, and by whom, as its landing page and NodeInfo tell anyone
who asks: local accounts and posts, active users, the local accounts that want to be found."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fedi.models import Account
from fedi.services.state import State

DAY = 86400
MONTH_DAYS, HALF_YEAR_DAYS = 30, 182


@dataclass(frozen=True)
class Usage:
    users: int  # local accounts
    active_month: int  # local users active in the last 30 days
    active_halfyear: int  # ... in the last 182 days
    local_posts: int


async def local_accounts(state: State) -> int:
    return await state.store.accounts.count_local()


async def local_posts(state: State) -> int:
    return await state.store.statuses.count_local()


async def active_users(state: State, days: int, now: float | None = None) -> int:
    """Local users active in the last `days` days."""
    return await state.store.users.active_since((now or time.time()) - days * DAY)


async def usage(state: State, now: float | None = None) -> Usage:
    """The figures NodeInfo publishes."""
    now = now or time.time()
    return Usage(users=await local_accounts(state), active_month=await active_users(state, MONTH_DAYS, now),
                 active_halfyear=await active_users(state, HALF_YEAR_DAYS, now),
                 local_posts=await local_posts(state))


async def directory(state: State, limit: int = 30) -> list[Account]:
    """Local accounts that want to be found (discoverable, not suspended), as listed here."""
    return [a for a in await state.store.accounts.list_local() if not a.suspended and a.discoverable][:limit]

"""A reader's lists of followed accounts (the rows of the lists table: id, account_id, title,
replies_policy, exclusive)."""

from __future__ import annotations

from fedi.models import Account
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State

REPLIES_POLICIES = ("followed", "list", "none")
MAX_TITLE = 200


async def of(state: State, account: Account) -> list[dict]:
    return await state.store.lists.of(account.id)


async def own(state: State, account: Account, list_id: str) -> dict:
    """One of the reader's lists (NotFound for anyone else's)."""
    row = await state.store.lists.get(list_id)
    if row is None or row["account_id"] != account.id:
        raise NotFound("Record not found")
    return row


def _fields(title, replies_policy, exclusive, current: dict | None) -> tuple[str, str, bool]:
    title = str(title if title is not None else (current["title"] if current else "")).strip()
    if not title:
        raise ServiceError("Validation failed: Title can't be blank")
    policy = str(replies_policy if replies_policy is not None else (current["replies_policy"] if current else "list"))
    if policy not in REPLIES_POLICIES:
        raise ServiceError(f"replies_policy must be one of {', '.join(REPLIES_POLICIES)}")
    if exclusive is None:
        exclusive = bool(current["exclusive"]) if current else False
    return title[:MAX_TITLE], policy, bool(exclusive)


async def create(state: State, account: Account, *, title, replies_policy=None, exclusive=None) -> dict:
    list_id = await state.store.lists.create(account.id, *_fields(title, replies_policy, exclusive, None))
    return await state.store.lists.get(list_id)


async def update(state: State, account: Account, list_id: str, *, title=None, replies_policy=None,
                 exclusive=None) -> dict:
    row = await own(state, account, list_id)
    await state.store.lists.update(row["id"], *_fields(title, replies_policy, exclusive, row))
    return await state.store.lists.get(row["id"])


async def delete(state: State, account: Account, list_id: str) -> None:
    row = await own(state, account, list_id)
    await state.store.lists.delete(row["id"])


async def members(state: State, account: Account, list_id: str) -> list[Account]:
    row = await own(state, account, list_id)
    found = await state.store.accounts.get_many(await state.store.lists.members(row["id"]))
    return list(found.values())


async def add(state: State, account: Account, list_id: str, account_ids: list[str]) -> None:
    """Add accounts the reader follows (ServiceError for any other)."""
    row = await own(state, account, list_id)
    for account_id in account_ids:
        follow = await state.store.follows.get(account.id, account_id)
        if follow is None or not follow.accepted:
            raise ServiceError("Validation failed: You can only add accounts you follow")
    await state.store.lists.add_accounts(row["id"], account_ids)


async def remove(state: State, account: Account, list_id: str, account_ids: list[str]) -> None:
    row = await own(state, account, list_id)
    await state.store.lists.remove_accounts(row["id"], account_ids)


async def containing(state: State, account: Account, target_id: str) -> list[dict]:
    """The reader's lists that include the account (none for a suspended one)."""
    target = await state.store.accounts.get(target_id)
    if target is None:
        raise NotFound("Record not found")
    if target.suspended:
        return []
    ids = set(await state.store.lists.containing(target.id, [account.id]))
    return [row for row in await state.store.lists.of(account.id) if row["id"] in ids]

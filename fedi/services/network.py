"""A reader's network as it is browsed: how the reader follows each of some accounts, the
follow requests (connection requests) waiting for an answer with their notes, and the
reader's connections (mutual follows). Pages of them take a fixed number of queries."""

from __future__ import annotations

from fedi.models import Account, Follow
from fedi.services import follows, known_accounts
from fedi.services.state import State

FOLLOWING, REQUESTED, SELF = "following", "requested", "self"


async def follow_of(state: State, follower: Account, target: Account) -> Follow | None:
    """The follower's follow of the target (accepted or waiting), if any."""
    return await state.store.follows.get(follower.id, target.id)


async def relations(state: State, reader: Account | None, account_ids: list[str]) -> dict[str, str]:
    """How the reader relates to each account: "self", "following", "requested" (a follow
    waiting for its answer) or "" (none; always for visitors). Two queries."""
    if reader is None:
        return {i: "" for i in account_ids}
    others = [i for i in account_ids if i != reader.id]
    accepted = await state.store.follows.followed_among(reader.id, others) if others else set()
    asked = await state.store.follows.followed_among(reader.id, others, requested=True) if others else set()
    return {i: SELF if i == reader.id else FOLLOWING if i in accepted else REQUESTED if i in asked else ""
            for i in account_ids}


async def request_notes(state: State, account: Account, requester_ids: list[str]) -> dict[str, str]:
    """The notes the follow requests of these accounts to the account carry, by requester
    ("" for none, or when the request is gone)."""
    notes = {}
    for requester_id in dict.fromkeys(requester_ids):
        fol = await state.store.follows.get(requester_id, account.id)
        notes[requester_id] = fol.note if fol else ""
    return notes


async def waiting_requests(state: State, account: Account, *, max_id: str | None = None,
                           limit: int = 20) -> tuple[list[tuple[Account, Follow]], list[str]]:
    """The follow requests waiting for the account's answer, newest first: ((requester, the
    request with its note) for requesters still known here, the paging keys of every row)."""
    waiting = await follows.requests_page(state, account, max_id=max_id, limit=limit)
    found = await known_accounts.get_many(state, [f.follower_id for f in waiting])
    return [(found[f.follower_id], f) for f in waiting if f.follower_id in found], [f.id for f in waiting]


async def connections(state: State, account: Account, *, max_id: str | None = None,
                      limit: int = 20) -> tuple[list[Account], list[str]]:
    """The accounts the account follows that follow it back, newest first: (those still
    known here, the paging keys of every row)."""
    pairs = await state.store.follows.mutuals_page(account.id, max_id=max_id, limit=limit)
    found = await known_accounts.get_many(state, [a for _, a in pairs])
    return [found[a] for _, a in pairs if a in found], [k for k, _ in pairs]


async def connection_count(state: State, account: Account) -> int | None:
    """How many connections (mutual follows) a local account has, on a professional instance;
    None elsewhere, and for a remote account (of which this server knows too little to say)."""
    if not state.config.professional or not account.local:
        return None
    return await state.store.follows.mutual_count(account.id)

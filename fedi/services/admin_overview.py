"""What the instance's admins look at before they act (the acting is fedi.services.moderation
and fedi.services.registration): accounts found with their counters, one account's moderation
record, invite links with who made them, reports with the accounts and posts they name, and
the dashboard (figures, job queues, peers that fail). Every function checks admin rights."""

from __future__ import annotations

import time

from dataclasses import dataclass

from fedi.models import Account, Host, Status
from fedi.services import accounts, hosts, known_accounts, registration, reports
from fedi.services.errors import NotFound
from fedi.services.moderation import check_admin
from fedi.services.state import State

NO_ACCOUNT = "There is no account with this id."
NO_REPORT = "There is no report with this id."


# --------------------------------------------------------------------------- accounts

async def find_accounts(state: State, admin: Account, query: str, which: str, *, offset: int = 0,
                        limit: int = 50) -> tuple[list[dict], dict[str, tuple]]:
    """(moderation records of the accounts matching `query` among `which` (local, remote,
    suspended, silenced, admins, all), their counters by account id)."""
    await check_admin(state, admin)
    found = await state.store.moderation.find_accounts(query, which, offset=offset, limit=limit)
    return found, await accounts.counters(state, [e["account"].id for e in found])


async def account_entry(state: State, admin: Account, account_id: str) -> dict:
    """One account's moderation record: {account, suspended, silenced, ...}; NotFound if none."""
    await check_admin(state, admin)
    entry = await state.store.moderation.account_entry(account_id)
    if entry is None:
        raise NotFound(NO_ACCOUNT)
    return entry


async def account_with_counters(state: State, admin: Account, account_id: str) -> tuple[dict, tuple | None]:
    """(one account's moderation record, its counters)."""
    entry = await account_entry(state, admin, account_id)
    return entry, (await accounts.counters(state, [entry["account"].id])).get(entry["account"].id)


async def invites(state: State, admin: Account) -> tuple[list[dict], dict[str, Account]]:
    """(the invite links, the accounts that made them by id)."""
    await check_admin(state, admin)
    found = await registration.list_invites(state)
    return found, await known_accounts.get_many(state, [i["created_by"] for i in found if i["created_by"]])


# --------------------------------------------------------------------------- reports

async def reports_page(state: State, admin: Account, *, resolved: bool | None, max_id: str | None = None,
                       min_id: str | None = None, limit: int = 30) -> tuple[list[dict], dict[str, Account]]:
    """(a page of reports, newest first, the accounts that filed them and that they are about
    by id)."""
    await check_admin(state, admin)
    found = await reports.listing(state, resolved=resolved, max_id=max_id, min_id=min_id, limit=limit)
    people = await known_accounts.get_many(
        state, [r["account_id"] for r in found] + [r["target_account_id"] for r in found])
    return found, people


@dataclass
class ReportView:
    report: dict
    people: dict[str, Account]  # the reporter, the reported account and the resolver, by id
    target: dict | None  # the reported account's moderation record
    statuses: list[Status]  # the reported posts still there, in the report's order
    missing: int  # how many of the reported posts are gone
    resolver: Account | None  # the admin who resolved it


async def report(state: State, admin: Account, report_id: str) -> ReportView:
    await check_admin(state, admin)
    found = await reports.get(state, report_id)
    if found is None:
        raise NotFound(NO_REPORT)
    resolver_id = await state.store.moderation.report_resolver(found["id"])
    named = [found["account_id"], found["target_account_id"], resolver_id]
    people = await known_accounts.get_many(state, named)
    target = await state.store.moderation.account_entry(found["target_account_id"])
    ids = found["status_ids"]
    stored = await state.store.statuses.get_many(ids) if ids else {}
    statuses = [stored[i] for i in ids if i in stored]
    return ReportView(found, people, target, statuses, len(ids) - len(statuses), people.get(resolver_id))


# --------------------------------------------------------------------------- dashboard

@dataclass
class Dashboard:
    figures: dict  # the instance's figures (accounts, posts, reports, ...), by name
    queues: dict[str, dict]  # job queue -> pending, oldest_pending_at, failed_recently (last hour), retrying
    failing: list[Host]  # peers whose deliveries fail
    unavailable: list[str]  # peers no longer delivered to


async def dashboard(state: State, admin: Account) -> Dashboard:
    await check_admin(state, admin)
    return Dashboard(figures=await state.store.moderation.figures(),
                     queues=await state.store.jobs.health(time.time() - 3600),
                     failing=await hosts.failing(state), unavailable=await hosts.unavailable(state))

"""Moderation by the instance's admins: suspending, silencing and promoting accounts, the
federation policy (domain blocks, allowlist mode), and resolving reports.

Suspending hides an account, as Mastodon does: a local one can no longer sign in or use its
tokens, its sessions and live streams end, its actor and pages are gone (nothing is sent to
other servers: Mastodon sends a Delete only when an account is deleted); a remote one's
activities are ignored and nothing is delivered to it. Lifting the suspension restores it.
Silencing (Mastodon's "limit") keeps an account's posts out of the public timelines.

Blocking a domain (Mastodon's suspend severity) refuses its activities, stops deliveries to
it and ends every follow and follow request between local accounts and accounts there.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.models import Account
from fedi.services import instance_settings
from fedi.services.domain_blocks import normalize
from fedi.services.errors import Forbidden, NotFound, ServiceError
from fedi.services.state import DomainPolicy, State

MAX_COMMENT = 500
REPORT_ACTIONS = ("suspend", "silence")


async def check_admin(state: State, account: Account | None) -> Account:
    """The account, when it is an admin of this instance (Forbidden otherwise)."""
    user = await state.store.users.get(account.id) if account is not None else None
    if user is None or not user.admin or account.suspended:
        raise Forbidden("Only the admins of this instance may do this.")
    return account


async def _target(state: State, account_id: str) -> Account:
    account = await state.store.accounts.get(str(account_id or ""))
    if account is None:
        raise NotFound("There is no account with this id.")
    return account


# --------------------------------------------------------------------------- accounts

async def suspend(state: State, admin: Account, account_id: str) -> Account:
    await check_admin(state, admin)
    target = await _target(state, account_id)
    if target.id == admin.id:
        raise ServiceError("You cannot suspend your own account.")
    if await state.store.moderation.set_suspended(target.id, True) and target.local:
        await state.store.sessions.delete_for_account(target.id)
        state.events.close_account(target.id, "account suspended")
    return await state.store.accounts.get(target.id)


async def unsuspend(state: State, admin: Account, account_id: str) -> Account:
    await check_admin(state, admin)
    target = await _target(state, account_id)
    await state.store.moderation.set_suspended(target.id, False)
    return await state.store.accounts.get(target.id)


async def silence(state: State, admin: Account, account_id: str) -> Account:
    await check_admin(state, admin)
    target = await _target(state, account_id)
    if target.id == admin.id:
        raise ServiceError("You cannot silence your own account.")
    await state.store.moderation.set_silenced(target.id, True)
    return target


async def unsilence(state: State, admin: Account, account_id: str) -> Account:
    await check_admin(state, admin)
    target = await _target(state, account_id)
    await state.store.moderation.set_silenced(target.id, False)
    return target


async def _set_admin(state: State, admin: Account, account_id: str, on: bool) -> Account:
    await check_admin(state, admin)
    target = await _target(state, account_id)
    user = await state.store.users.get(target.id)
    if user is None:
        raise ServiceError("Only local accounts can be admins.")
    if not on and target.id == admin.id:
        raise ServiceError("You cannot remove your own admin rights; ask another admin.")
    if on and (target.suspended or not user.approved):
        raise ServiceError("Suspended or unapproved accounts cannot be admins.")
    await state.store.users.update(target.id, admin=on)
    return target


async def promote(state: State, admin: Account, account_id: str) -> Account:
    return await _set_admin(state, admin, account_id, True)


async def demote(state: State, admin: Account, account_id: str) -> Account:
    return await _set_admin(state, admin, account_id, False)


async def act_on_account(state: State, admin: Account, account_id: str, action: str) -> Account:
    """suspend, unsuspend, silence, unsilence, promote or demote."""
    handler = {"suspend": suspend, "unsuspend": unsuspend, "silence": silence, "unsilence": unsilence,
               "promote": promote, "demote": demote}.get(action)
    if handler is None:
        raise NotFound(f"unknown action {action!r}")
    return await handler(state, admin, account_id)


# --------------------------------------------------------------------------- domain policy

@dataclass
class PolicyEntry:
    domain: str
    from_config: bool  # listed in the configuration file (changed there, not by admins)
    comment: str = ""
    created_at: float | None = None
    accounts: int = 0  # accounts known on it


@dataclass
class FederationPolicy:
    blocked: list[PolicyEntry]
    allowlist_mode: bool
    allowed: list[PolicyEntry]


def _entries(config_list, stored: list[dict]) -> list[PolicyEntry]:
    entries = {d: PolicyEntry(d, True) for d in config_list}
    for row in stored:
        entries.setdefault(row["domain"], PolicyEntry(row["domain"], False, row.get("comment", ""),
                                                      row["created_at"]))
    return sorted(entries.values(), key=lambda e: e.domain)


async def _matching_domains(state: State, domain: str) -> list[str]:
    """The known account domains a block of `domain` covers (subdomains and ports too)."""
    policy = DomainPolicy(blocked=frozenset({domain}))
    return [d for d in await state.store.accounts.known_domains() if policy.blocks(d)]


async def federation_policy(state: State) -> FederationPolicy:
    fed, store = state.config.federation, state.store
    blocked = _entries(fed.blocked_domains, await store.moderation.domain_blocks())
    for entry in blocked:
        entry.accounts = await store.moderation.accounts_on(await _matching_domains(state, entry.domain))
    return FederationPolicy(blocked, instance_settings.current(state).allowlist_mode,
                            _entries(fed.allowed_domains, await store.moderation.allowed_domains()))


def _peer_domain(state: State, domain: str) -> str:
    domain = normalize(domain)
    ours = state.urls.domain
    if domain in (ours, ours.split(":")[0]):
        raise ServiceError("That is this instance's own domain.")
    return domain


async def block_domain(state: State, admin: Account, domain: str, comment: str = "") -> tuple[str, int]:
    """Block a domain at once; returns it (normalized) and how many follows were ended."""
    await check_admin(state, admin)
    domain = _peer_domain(state, domain)
    comment = str(comment or "").strip()[:MAX_COMMENT]
    await state.store.moderation.block_domain(domain, comment, admin.id)
    await instance_settings.changed_settings(state)
    severed = await state.store.moderation.sever_domains(await _matching_domains(state, domain))
    return domain, severed


async def unblock_domain(state: State, admin: Account, domain: str) -> str:
    await check_admin(state, admin)
    domain = normalize(domain)
    if domain in state.config.federation.blocked_domains:
        raise ServiceError(f"{domain} is blocked in the configuration file; remove it there.")
    if not await state.store.moderation.unblock_domain(domain):
        raise NotFound(f"{domain} is not blocked.")
    await instance_settings.changed_settings(state)
    return domain


async def set_allowlist_mode(state: State, admin: Account, on: bool) -> bool:
    await check_admin(state, admin)
    await instance_settings.update(state, allowlist_mode=bool(on))
    return bool(on)


async def allow_domain(state: State, admin: Account, domain: str) -> str:
    await check_admin(state, admin)
    domain = _peer_domain(state, domain)
    await state.store.moderation.allow_domain(domain, admin.id)
    await instance_settings.changed_settings(state)
    return domain


async def disallow_domain(state: State, admin: Account, domain: str) -> str:
    await check_admin(state, admin)
    domain = normalize(domain)
    if domain in state.config.federation.allowed_domains:
        raise ServiceError(f"{domain} is allowed in the configuration file; remove it there.")
    if not await state.store.moderation.disallow_domain(domain):
        raise NotFound(f"{domain} is not on the allowed list.")
    await instance_settings.changed_settings(state)
    return domain


# --------------------------------------------------------------------------- reports

async def _report(state: State, report_id: str) -> dict:
    report = await state.store.reports.get(str(report_id or ""))
    if report is None:
        raise NotFound("There is no report with this id.")
    return report


async def resolve(state: State, admin: Account, report_id: str) -> dict:
    await check_admin(state, admin)
    report = await _report(state, report_id)
    await state.store.moderation.resolve_report(report["id"], True, admin.id)
    return await state.store.reports.get(report["id"])


async def reopen(state: State, admin: Account, report_id: str) -> dict:
    await check_admin(state, admin)
    report = await _report(state, report_id)
    await state.store.moderation.resolve_report(report["id"], False, None)
    return await state.store.reports.get(report["id"])


async def act_on_report(state: State, admin: Account, report_id: str, action: str) -> dict:
    """Suspend or silence the reported account, and resolve the report."""
    if action not in REPORT_ACTIONS:
        raise NotFound(f"unknown action {action!r}")
    await check_admin(state, admin)
    report = await _report(state, report_id)
    await act_on_account(state, admin, report["target_account_id"], action)
    return await resolve(state, admin, report["id"])

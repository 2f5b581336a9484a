"""Reports for the moderators of this instance.

Local accounts file them through the client API; with `forward`, a report about a remote
account also goes to that account's server as a Flag from the instance actor (as Mastodon
sends it: no reporter named, object = the account and the reported statuses, content = the
comment), and to the servers of remote accounts the reported statuses reply to, when the
reporter named their domains. Other servers' Flags about local accounts are stored as
reports too (see `fedi.services.inbound.flags`).
"""

from __future__ import annotations

import time

from fedi.activitypub import render
from fedi.ids import new_id
from fedi.models import Account, Status
from fedi.services import fanout, instance_settings
from fedi.services.accounts import INSTANCE_SIGNER
from fedi.services.errors import NotFound, ServiceError
from fedi.services.state import State
from fedi.services.visibility import can_view

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000
MAX_REMOTE_COMMENT = 5000  # peers' comments are cut here, as Mastodon does
MAX_STATUSES = 100
NOT_FOUND = "Record not found"
NO_RULES = "Validation failed: Rule ids does not reference valid rules"


def instance_signer(state: State) -> Account:
    """The instance actor as the author of a delivery (signed with the instance key)."""
    return Account(id=INSTANCE_SIGNER, uri=state.urls.instance_actor, username=state.urls.domain,
                   domain=None)


def _category(state: State, category: str | None, rule_ids: list) -> tuple[str, list[str] | None]:
    """(category, rule ids) as Mastodon checks them: rule ids must name the instance's rules,
    and imply the `violation` category, which needs them."""
    known = {rule_id for rule_id, _ in instance_settings.current(state).numbered_rules()}
    rule_ids = [str(r) for r in rule_ids]
    if any(r not in known for r in rule_ids):
        raise ServiceError(NO_RULES)
    category = (category or ("violation" if rule_ids else "other")).strip().lower()
    if category not in CATEGORIES:
        raise ServiceError("Validation failed: Category is not included in the list")
    if category == "violation" and not rule_ids:
        raise ServiceError(NO_RULES)
    return category, (rule_ids if category == "violation" else None)


async def _reported_statuses(state: State, reporter: Account, target: Account,
                             status_ids: list[str]) -> list[Status]:
    """The target's statuses the reporter can see; any other id is not found (as Mastodon)."""
    found = []
    for status_id in list(dict.fromkeys(str(i) for i in status_ids))[:MAX_STATUSES]:
        st = await state.store.statuses.get(status_id)
        if st is None or st.account_id != target.id or not await can_view(state.store, st, reporter):
            raise NotFound(NOT_FOUND)
        found.append(st)
    return found


async def _forward_inboxes(state: State, target: Account, statuses: list[Status],
                           domains: list[str]) -> tuple[list[str], bool]:
    """(inboxes to send the Flag to, whether the target's own server is one of them)."""
    inboxes, to_origin = [], target.domain in domains and bool(target.delivery_inbox)
    if to_origin:
        inboxes.append(target.delivery_inbox)
    for st in statuses:
        replied_to = await state.store.accounts.get(st.in_reply_to_account_id or "")
        if replied_to is not None and not replied_to.local and replied_to.domain in domains:
            inboxes.append(replied_to.delivery_inbox)
    return [i for i in dict.fromkeys(inboxes) if i], to_origin


async def file(state: State, reporter: Account, target: Account, *, status_ids: list[str] = (),
               comment: str = "", category: str | None = None, rule_ids: list = (),
               forward: bool = False, forward_to_domains: list[str] | None = None) -> dict:
    """File a report; returns it as stored."""
    if target.suspended:
        raise NotFound(NOT_FOUND)
    comment = comment or ""
    if len(comment) > MAX_COMMENT:
        raise ServiceError(
            f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    category, rule_ids = _category(state, category, list(rule_ids))
    statuses = await _reported_statuses(state, reporter, target, list(status_ids))
    inboxes, forwarded = [], False
    if forward and not target.local:
        named = forward_to_domains if forward_to_domains is not None else [target.domain]
        domains = [d.strip().lower() for d in named if d and d.strip()]
        inboxes, forwarded = await _forward_inboxes(state, target, statuses, domains)
    report_id = new_id()
    report = {"id": report_id, "account_id": reporter.id, "target_account_id": target.id,
              "status_ids": [st.id for st in statuses], "comment": comment, "category": category,
              "rule_ids": rule_ids, "forwarded": forwarded, "uri": state.urls.activity(report_id),
              "created_at": time.time()}

    async def write(tx):
        await tx.reports.insert(report)
        if inboxes:
            flag = render.flag(report["uri"], state.urls.instance_actor, target.uri,
                               [st.uri for st in statuses], comment)
            await fanout.enqueue(state, tx, instance_signer(state), flag, inboxes)

    await state.store.atomic(write)
    if inboxes:
        state.notify_queue(fanout.DELIVER_QUEUE)
    return await state.store.reports.get(report_id)


async def receive(state: State, reporter: Account, target: Account, status_ids: list[str],
                  comment: str, uri: str | None) -> bool:
    """Store a report another server sent (as Flag); False when it was already stored."""
    return await state.store.reports.insert({
        "id": new_id(), "account_id": reporter.id, "target_account_id": target.id,
        "status_ids": status_ids, "comment": (comment or "")[:MAX_REMOTE_COMMENT], "category": "other",
        "forwarded": False, "uri": uri, "created_at": time.time(),
    })


async def listing(state: State, *, resolved: bool | None = None, target_account_id: str | None = None,
                  max_id: str | None = None, since_id: str | None = None, min_id: str | None = None,
                  limit: int = 40) -> list[dict]:
    """Reports for moderators, newest first: each {id, account_id (the reporter: a local account,
    or a remote actor, often a server's instance actor), target_account_id, status_ids, comment,
    category, rule_ids, forwarded, uri, action_taken, action_taken_at, created_at}."""
    return await state.store.reports.page(resolved=resolved, target_account_id=target_account_id,
                                          max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)


async def get(state: State, report_id: str) -> dict | None:
    return await state.store.reports.get(report_id)

"""Web Push: subscriptions per access token, and a durable queue of encrypted alerts.

A notification enqueues one `push` job per matching subscription in the same
transaction that stores it, so an alert survives a crash like a delivery does.
The job (fedi/federation/push_delivery.py) sends the payload Mastodon sends
(notification id and type, a title, a plain-text body, an icon), encrypted for
the subscriber, to the push service with a VAPID token.
"""

from __future__ import annotations

import json

from fedi.activitypub.html import html_to_text
from fedi.ids import new_id
from fedi.models import Account, Token
from fedi.services.errors import NotFound, ServiceError as Unprocessable
from fedi.services import queues
from fedi.services.state import State
from fedi import webpush

QUEUE = queues.PUSH
ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
          "quote", "quoted_update", "admin.sign_up", "admin.report")
POLICIES = ("all", "followed", "follower", "none")
BODY_CHARS = 140
TITLES = {
    "mention": "You were mentioned by {name}",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} followed you",
    "follow_request": "New follow request from {name}",
    "favourite": "{name} favourited your post",
    "poll": "A poll has ended",
    "update": "{name} edited a post",
}


async def ensure_vapid_key(state: State) -> None:
    pem = await state.store.settings.get("vapid_private_key")
    if pem is None:
        pem = await state.store.settings.set_if_absent("vapid_private_key", webpush.generate_vapid_key())
    state.vapid_private_key = pem
    state.vapid_public_key = webpush.public_key_of(pem)


def vapid_public_key(state: State) -> str:
    return state.vapid_public_key


def _alerts(given: dict | None, current: dict | None = None) -> dict:
    alerts = {name: False for name in ALERTS}
    alerts.update(current or {})
    for name, value in (given or {}).items():
        if name in alerts:
            alerts[name] = str(value).lower() in ("1", "true", "on", "yes")
    return alerts


def _policy(given: str | None, current: str = "all") -> str:
    if given in (None, ""):
        return current
    if given not in POLICIES:
        raise Unprocessable(f"data[policy] must be one of {', '.join(POLICIES)}")
    return given


def _check_endpoint(state: State, endpoint: str) -> None:
    try:
        webpush.check_endpoint(endpoint, allow_http=state.config.federation.allow_private_addresses)
    except webpush.PushError as exc:
        raise Unprocessable(f"subscription[endpoint]: {exc}") from None


async def subscribe(state: State, token: Token, account: Account, *, endpoint: str, p256dh: str, auth: str,
                    standard: bool, alerts: dict | None, policy: str | None) -> dict:
    """Create the token's subscription (replacing an earlier one)."""
    _check_endpoint(state, endpoint)
    try:
        webpush.check_keys(p256dh, auth)
    except webpush.PushError as exc:
        raise Unprocessable(str(exc)) from None
    sub = {"id": new_id(), "token_id": token.id, "account_id": account.id, "endpoint": endpoint,
           "p256dh": p256dh, "auth": auth, "standard": standard, "alerts": _alerts(alerts),
           "policy": _policy(policy)}
    await state.store.push.put(sub)
    return await current(state, token)


async def current(state: State, token: Token) -> dict:
    sub = await state.store.push.for_token(token.id)
    if sub is None:
        raise NotFound("Record not found")
    return sub


async def change(state: State, token: Token, *, alerts: dict | None, policy: str | None) -> dict:
    sub = await current(state, token)
    await state.store.push.update(token.id, _alerts(alerts, sub["alerts"]), _policy(policy, sub["policy"]))
    return await current(state, token)


async def unsubscribe(state: State, token: Token) -> None:
    await state.store.push.delete_for_token(token.id)


async def drop_unreachable(state: State, subscription_id: str) -> None:
    """Forget a subscription that cannot be pushed to: its keys or endpoint are unusable, or
    the push service no longer knows it."""
    await state.store.push.delete(subscription_id)


async def enqueue(state: State, tx, account_id: str, notification_id: str, type_: str) -> None:
    """Queue an alert for every subscription of the account that wants this type (inside tx)."""
    subs = [s for s in await tx.push.for_account(account_id) if s["alerts"].get(type_)]
    for sub in subs:
        await tx.jobs.enqueue(QUEUE, {"subscription_id": sub["id"], "notification_id": notification_id})
    if subs:
        tx.on_commit(lambda: state.notify_queue(QUEUE))


async def policy_allows(state: State, sub: dict, from_id: str) -> bool:
    policy = sub["policy"]
    if policy == "none":
        return False
    if policy == "followed":
        follow = await state.store.follows.get(sub["account_id"], from_id)
        return follow is not None and follow.state == "accepted"
    if policy == "follower":
        follow = await state.store.follows.get(from_id, sub["account_id"])
        return follow is not None and follow.state == "accepted"
    return True


async def alert(state: State, job_payload: dict) -> tuple[dict, bytes] | None:
    """(subscription, JSON payload) for a queued alert, or None when it should not be sent."""
    sub = await state.store.push.get(job_payload["subscription_id"])
    note = await state.store.notifications.get(job_payload["notification_id"])
    if sub is None or note is None or not await policy_allows(state, sub, note.from_account_id):
        return None
    sender = await state.store.accounts.get(note.from_account_id)
    return sub, json.dumps(await payload(state, note, sender)).encode()


def vapid_subject(state: State) -> str:
    base = state.config.base_url
    return base if base.startswith("https://") else "mailto:admin@localhost"


async def payload(state: State, note, sender: Account | None) -> dict:
    name = (sender.display_name or sender.username) if sender else "Someone"
    body = ""
    if note.status_id:
        status = await state.store.statuses.get(note.status_id)
        if status is not None:
            body = status.summary or html_to_text(status.content)
    elif sender is not None:
        body = html_to_text(sender.note)
    if len(body) > BODY_CHARS:
        body = body[:BODY_CHARS - 1].rstrip() + "…"
    return {
        "notification_id": note.id,
        "notification_type": note.type,
        "preferred_locale": "en",
        "title": TITLES.get(note.type, "New notification").format(name=name),
        "body": body,
        "icon": (sender.avatar_url if sender else None) or f"{state.urls.base}/static/avatar.png",
    }

"""Who receives a local activity: remote inboxes as durable jobs, local accounts directly.

Remote targets are deduplicated by shared inbox, one delivery job per
(activity, inbox). The activity itself is stored once (`outbound`); its jobs name it by
`ref`, so a post to 10,000 servers does not copy it 10,000 times. Local recipients get an
inbox item (and a notification where one is due) in the same transaction that stores the
activity, so nothing is half-published after a crash. An activity that is, or is about,
a local-only post is never queued for another server (`stays_local`).
"""

from __future__ import annotations

import json
import time

from fedi.activitypub.audience import LOCAL, recipients
from fedi.activitypub.parse import host_of
from fedi.ids import new_id
from fedi.models import Account, Notification, Status
from fedi.services import push, queues
from fedi.services.state import State
from fedi.services.tags import tag_readers

DELIVER_QUEUE = queues.DELIVER
# Visibilities announced on the public and hashtag streams. Each listener's stream checks
# that its reader may see the post, so local-only posts reach signed-in local readers only.
PUBLIC_STREAMED = ("public", LOCAL)


async def follower_targets(tx, author: Account) -> tuple[list[str], list[str]]:
    """(remote inboxes, local account ids) of the author's accepted followers."""
    return await tx.follows.follower_inboxes(author.id), await tx.follows.local_followers(author.id)


def add_account(account: Account | None, inboxes: list[str], local_ids: list[str]) -> None:
    if account is None:
        return
    if account.local:
        local_ids.append(account.id)
    elif account.delivery_inbox:
        inboxes.append(account.delivery_inbox)


def _parts(body: dict) -> list[dict]:
    """The activity and the objects embedded in it (an Undo's Like, a Create's Note)."""
    parts = [body]
    while isinstance(parts[-1].get("object"), dict) and len(parts) < 4:
        parts.append(parts[-1]["object"])
    return parts


async def stays_local(state: State, tx, body: dict) -> bool:
    """Whether an activity must not leave this instance: it (or an object in it) is addressed
    to the local-only audience, or it is about, or replies to, a local-only post."""
    parts = _parts(body)
    if any(state.urls.local_public in recipients(part) for part in parts):
        return True
    # Posts referred to by id: what a Like, Announce, Add or Remove is about, what a note answers.
    refs = [part.get(key) for part in parts for key in ("object", "inReplyTo")]
    for uri in dict.fromkeys(r for r in refs if isinstance(r, str) and state.urls.is_local(r)):
        status = await tx.statuses.by_uri(uri)
        if status is not None and status.visibility == LOCAL:
            return True
    return False


async def enqueue(state: State, tx, author: Account, body: dict, inboxes: list[str]) -> int:
    """Queue one delivery job per distinct, deliverable inbox (none for a local-only activity)."""
    if not inboxes or await stays_local(state, tx, body):
        return 0
    seen, items = set(), []
    unavailable = set(await tx.hosts.unavailable())
    for inbox in inboxes:
        if not inbox or inbox in seen or state.urls.is_local(inbox):
            continue
        seen.add(inbox)
        host = host_of(inbox)
        if state.domain_blocked(host) or host in unavailable:
            continue
        items.append(({"inbox": inbox, "signer": author.id}, host))
    if items:
        ref = new_id()
        await tx.outbound.put(ref, json.dumps(body))
        for payload, _ in items:
            payload["ref"] = ref
        await tx.jobs.enqueue_many(DELIVER_QUEUE, items, ref=ref)
    return len(items)


async def delivered_body(state: State, payload: dict) -> bytes | None:
    """The JSON a delivery job sends: its stored activity (None once that is gone), or the
    copy that jobs queued before activities were stored once still carry."""
    if "ref" not in payload:
        return json.dumps(payload["activity"]).encode()
    body = await state.store.outbound.get(payload["ref"])
    return None if body is None else body.encode()


async def purge_delivered(state: State, keep_for: float = 600) -> int:
    """Drop stored activities that no pending delivery needs any more (housekeeping)."""
    return await state.store.outbound.purge(time.time() - keep_for)


async def deliver_locally(tx, body: dict, local_ids: list[str], *, exclude: str | None = None) -> None:
    ids = [a for a in dict.fromkeys(local_ids) if a != exclude]
    if ids:
        await tx.inbox.add(new_id(), ids, body["id"], body)


async def home_readers(tx, author: Account, visibility: str, mentioned_ids: list[str], *,
                       followers: list[str] | None = None) -> list[str]:
    """Local accounts whose home timeline gets a status: followers (unless direct; `followers`
    when the caller has read them), the author if local, and local participants of a direct
    message."""
    readers = [author.id] if author.local else []
    if visibility != "direct":  # local-only too: only local followers have a home feed here
        readers += followers if followers is not None else await tx.follows.local_followers(author.id)
    else:
        for account_id in mentioned_ids:
            account = await tx.accounts.get(account_id)
            if account is not None and account.local:
                readers.append(account_id)
    return readers


async def to_home_timelines(state: State, tx, status: Status, author: Account, *,
                            audience: tuple[list[tuple[str, bool]], bool] | None = None) -> None:
    """Write the status into its readers' home feeds and announce it to live streams; a direct
    one leaves its conversation unread for its readers but the author. `audience`: the
    author's local followers (and whether each asked to be notified) and whether the author
    is silenced, when the caller has read them (`follows.home_audience`)."""
    if status.visibility == "direct":  # no follower sees it, and it is never streamed publicly
        followers, silenced = [], False
    else:
        followers, silenced = audience if audience is not None else await tx.follows.home_audience(author.id)
    readers = await home_readers(tx, author, status.visibility, status.mention_ids,
                                 followers=[f for f, _ in followers])
    readers += await tag_readers(tx, status, readers)  # followers of its hashtags
    await tx.feeds.add(status.id, readers)
    if status.visibility == "direct" and not status.reblog_of_id:
        await tx.conversations.arrived(status.id, readers)
        tx.on_commit(lambda: announce_conversation(state, status, readers))
    if status.visibility in ("public", "unlisted", "private", LOCAL) and not status.reblog_of_id:
        for follower_id in [f for f, notified in followers if notified]:
            await notify(state, tx, follower_id, "status", author.id, status.id)
    lists = await tx.lists.containing(author.id, readers) if readers else []
    # A silenced author's posts stay off the public timelines, live ones included.
    public = status.visibility in PUBLIC_STREAMED and not silenced
    tx.on_commit(lambda: announce_status(state, status, readers, "update", lists, public=public))


def announce_status(state: State, status: Status, readers: list[str], event: str,
                    lists: list[str] = (), *, public: bool = True) -> None:
    bus, payload = state.events, {"status_id": status.id}
    for reader in dict.fromkeys(readers):
        bus.publish(f"user:{reader}", event, payload)
    for list_id in lists:
        bus.publish(f"list:{list_id}", event, payload)
    if public and status.visibility in PUBLIC_STREAMED and not status.reblog_of_id:
        bus.publish("public", event, payload)
        bus.publish("public:local" if status.local else "public:remote", event, payload)
        for tag in status.tags:
            bus.publish(f"hashtag:{tag.lower()}", event, payload)
            if status.local:
                bus.publish(f"hashtag:local:{tag.lower()}", event, payload)


def announce_conversation(state: State, status: Status, readers: list[str]) -> None:
    """A direct status arrived: each local participant's `direct` stream hears of the conversation."""
    for reader in dict.fromkeys(readers):
        state.events.publish(f"direct:{reader}", "conversation", {"status_id": status.id})


async def announce_deletion(state: State, tx, status: Status) -> None:
    """After the status is gone, tell the streams that could have shown it (read before deleting)."""
    readers = await tx.feeds.readers(status.id)
    tx.on_commit(lambda: announce_status(state, status, readers, "delete"))


async def notify_edit(state: State, tx, status: Status) -> None:
    """Local accounts that boosted a post hear that it was edited (Mastodon's `update`)."""
    for account_id in await tx.statuses.rebloggers(status.id, limit=1000):
        booster = await tx.accounts.get(account_id)
        if booster is not None and booster.local:
            await notify(state, tx, account_id, "update", status.account_id, status.id)


async def notify(state: State, tx, account_id: str, type_: str, from_account_id: str,
                 status_id: str | None = None) -> None:
    if account_id == from_account_id and type_ != "poll":  # authors do hear that their poll ended
        return
    if status_id is not None and await tx.conversation_mutes.muted(account_id, [status_id]):
        return  # the thread is muted
    note = Notification(
        id=new_id(), account_id=account_id, type=type_, from_account_id=from_account_id,
        status_id=status_id, created_at=time.time(),
    )
    if not await tx.notifications.insert(note):
        return  # the recipient blocks the sender (or its domain), or mutes its notifications
    await push.enqueue(state, tx, account_id, note.id, type_)

    def announce():
        payload = {"notification_id": note.id}
        state.events.publish(f"user:{account_id}", "notification", payload)
        state.events.publish(f"user:notification:{account_id}", "notification", payload)

    tx.on_commit(announce)


async def publish(state: State, tx, author: Account, body: dict, *, inboxes: list[str],
                  local_ids: list[str]) -> None:
    """Deliver a stored activity to remote inboxes (queued) and local accounts (now)."""
    await enqueue(state, tx, author, body, inboxes)
    await deliver_locally(tx, body, local_ids, exclude=author.id)

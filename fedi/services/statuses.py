"""Posting and reacting as a local account: create (once per idempotency key), edit, delete,
like, boost."""

from __future__ import annotations

import logging
import time

from fedi.activitypub import render, text
from fedi.activitypub.audience import LOCAL, normalize
from fedi.activitypub.html import sanitize_summary
from fedi.ids import new_id
from fedi.models import Account, Activity, Favourite, Status
from fedi.services import fanout, media, polls, remote
from fedi.services.errors import Forbidden, NotFound, ServiceError, Unavailable
from fedi.services.state import State
from fedi.services.visibility import can_view, local_only

log = logging.getLogger(__name__)
MAX_CHARS = 5000
MAX_SUMMARY = 500  # characters of a content warning


def check_summary(summary: str | None) -> None:
    """Refuse a content warning longer than MAX_SUMMARY (every face asks through here)."""
    if summary and len(summary.strip()) > MAX_SUMMARY:
        raise ServiceError(f"The content warning is longer than {MAX_SUMMARY} characters.")
BOOSTABLE = ("public", "unlisted", LOCAL)  # a local-only post only by local accounts, who alone see it


async def _resolve_mentions(state: State, body: str) -> tuple[dict, list[Account]]:
    resolved, accounts = {}, []
    for m in text.extract_mentions(body)[:50]:
        try:
            account = await remote.account_by_handle(state, m.username, m.host)
        except (ServiceError, Unavailable) as exc:
            log.info("mention %s not resolved: %s", m.text, exc)
            continue
        key = (m.username.lower(), m.host.lower() if m.host else None)
        resolved[key] = text.ResolvedMention(
            actor_uri=account.uri, profile_url=account.url or account.uri,
            acct=account.acct(state.urls.domain),
        )
        accounts.append(account)
    return resolved, list({a.id: a for a in accounts}.values())


async def record(tx, author: Account, body: dict, visibility: str, *, status_id: str | None = None,
                 object_uri: str | None = None) -> None:
    tail = body["id"].rsplit("/", 1)[-1]
    await tx.activities.insert(Activity(
        id=tail if tail.isdigit() else new_id(), uri=body["id"], account_id=author.id, type=body["type"],
        visibility=visibility, body=body, object_uri=object_uri, status_id=status_id,
        created_at=time.time(),
    ))


def _new_activity_uri(state: State) -> str:
    return state.urls.activity(new_id())


async def _audience(state: State, tx, author: Account, visibility: str, mentioned: list[Account]):
    inboxes, local_ids = [], []
    if visibility != "direct":
        inboxes, local_ids = await fanout.follower_targets(tx, author)
        inboxes, local_ids = list(inboxes), list(local_ids)
    for account in mentioned:
        fanout.add_account(account, inboxes, local_ids)
    return inboxes, local_ids


async def note_doc(state: State, status: Status, author: Account) -> dict:
    """A local status as its Note (or Question), without @context."""
    mentioned = list((await state.store.accounts.get_many(status.mention_ids)).values())
    return render.note(status, author, state.urls, mentioned=mentioned,
                       poll=await polls.note_poll(state, status))


async def create(state: State, author: Account, body: str, *, visibility: str | None = None,
                 in_reply_to: Status | None = None, summary: str = "", sensitive: bool = False,
                 language: str | None = None, html_content: str | None = None,
                 recipients: list[Account] = (), media_ids: list[str] = (), poll: dict | None = None) -> Status:
    """Post as `author`; `poll` is one checked by `polls.validated`."""
    body = (body or "").strip()
    if poll is not None and media_ids:
        raise ServiceError("Validation failed: a post cannot have both a poll and media")
    attachments = await media.attachments_for(state, author, list(media_ids)) if media_ids else []
    if not body and not html_content and not attachments:
        raise ServiceError("a post needs text or media")
    if len(body) > MAX_CHARS:
        raise ServiceError(f"text is longer than {MAX_CHARS} characters")
    check_summary(summary)
    user = await state.store.users.get(author.id)
    visibility = normalize(visibility, user.default_visibility if user else "public")
    if in_reply_to is not None:
        if not await can_view(state.store, in_reply_to, author):
            raise NotFound("the post replied to does not exist")
        if local_only(in_reply_to):
            visibility = LOCAL  # a reply to a local-only post stays on this instance too
    resolved, mentioned = await _resolve_mentions(state, body)
    for account in recipients:
        if account.id != author.id and account.id not in {m.id for m in mentioned}:
            mentioned.append(account)
    if in_reply_to is not None and in_reply_to.account_id != author.id:
        parent_author = await state.store.accounts.get(in_reply_to.account_id)
        if parent_author and parent_author.id not in {m.id for m in mentioned}:
            mentioned.append(parent_author)
    content = html_content if html_content is not None else text.render_plain_text(
        body, mentions=resolved, tag_url=state.urls.tag)
    status_id = new_id()
    now = time.time()
    status = Status(
        id=status_id, uri=state.urls.status(author.username, status_id),
        url=state.urls.status_html(author.username, status_id), account_id=author.id, local=True,
        visibility=visibility, published=now, content=content, source=body,
        summary=sanitize_summary(summary), sensitive=bool(sensitive or summary), language=language,
        in_reply_to_uri=in_reply_to.uri if in_reply_to else None,
        in_reply_to_id=in_reply_to.id if in_reply_to else None,
        in_reply_to_account_id=in_reply_to.account_id if in_reply_to else None,
        conversation=(in_reply_to.conversation if in_reply_to else None)
        or f"{state.urls.base}/contexts/{status_id}",
        created_at=now, mention_ids=[m.id for m in mentioned], tags=text.extract_hashtags(body)[:30],
        attachments=attachments,
    )
    note = render.note(status, author, state.urls, mentioned=mentioned, poll=poll)
    activity = render.activity("Create", f"{status.uri}/activity", author.uri, note,
                               to=note["to"], cc=note["cc"], published=now)

    async def write(tx):
        await tx.statuses.insert(status)
        if poll is not None:
            await polls.store(tx, status.id, poll)
        if attachments:
            await media.attach(state, [a["id"] for a in attachments], status.id, store=tx)
        await fanout.to_home_timelines(state, tx, status, author)
        await record(tx, author, activity, visibility, status_id=status.id, object_uri=status.uri)
        inboxes, local_ids = await _audience(state, tx, author, visibility, mentioned)
        await fanout.publish(state, tx, author, activity, inboxes=inboxes, local_ids=local_ids)
        for m in mentioned:
            if m.local:
                await fanout.notify(state, tx, m.id, "mention", author.id, status.id)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return status


async def create_once(state: State, author: Account, key: str | None, **options) -> Status | None:
    """`create`, as stored; a key the author already used within the hour gives the post made
    then (None if it is gone since), and a repeat still in flight waits for the first."""

    async def make() -> str:
        return (await create(state, author, **options)).id

    status_id = await state.idempotency.once((author.id, key), make) if key else await make()
    return await state.store.statuses.get(status_id)


async def edit(state: State, author: Account, status: Status, body: str, *, summary: str | None = None,
               sensitive: bool | None = None, language: str | None = None) -> str:
    """Edit a local post; returns the Update activity's id."""
    if status.account_id != author.id or not status.local:
        raise Forbidden("only the author can edit a post")
    if status.reblog_of_id:
        raise ServiceError("a boost cannot be edited")
    body = (body or "").strip()
    if not body:
        raise ServiceError("a post needs text")
    check_summary(summary)
    resolved, _ = await _resolve_mentions(state, body)
    status.content = text.render_plain_text(body, mentions=resolved, tag_url=state.urls.tag)
    status.source = body
    if summary is not None:
        status.summary = sanitize_summary(summary)
    if sensitive is not None:
        status.sensitive = bool(sensitive)
    status.sensitive = status.sensitive or bool(status.summary)
    status.language = language or status.language
    status.edited_at = time.time()
    status.tags = text.extract_hashtags(body)[:30]
    mentioned = list((await state.store.accounts.get_many(status.mention_ids)).values())
    note = await note_doc(state, status, author)
    activity = render.activity("Update", _new_activity_uri(state), author.uri, note,
                               to=note["to"], cc=note["cc"], published=status.edited_at)

    async def write(tx):
        await tx.statuses.update_content(status)
        await fanout.notify_edit(state, tx, status)
        readers = await fanout.home_readers(tx, author, status.visibility, status.mention_ids)
        tx.on_commit(lambda: fanout.announce_status(state, status, readers, "status.update"))
        await record(tx, author, activity, status.visibility, status_id=status.id, object_uri=status.uri)
        inboxes, local_ids = await _audience(state, tx, author, status.visibility, mentioned)
        await fanout.publish(state, tx, author, activity, inboxes=inboxes, local_ids=local_ids)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return activity["id"]


async def delete(state: State, author: Account, status: Status) -> str | None:
    if status.account_id != author.id or not status.local:
        raise Forbidden("only the author can delete a post")
    if status.reblog_of_id:
        original = await state.store.statuses.get(status.reblog_of_id)
        return await unreblog(state, author, original) if original else None
    mentioned = list((await state.store.accounts.get_many(status.mention_ids)).values())
    note = render.note(status, author, state.urls, mentioned=mentioned)
    activity = render.activity("Delete", _new_activity_uri(state), author.uri,
                               render.tombstone(status.uri), to=note["to"], cc=note["cc"],
                               published=time.time())

    async def write(tx):
        inboxes, local_ids = await _audience(state, tx, author, status.visibility, mentioned)
        await fanout.announce_deletion(state, tx, status)
        await tx.activities.delete_for_status(status.id)
        await tx.statuses.delete(status.id)
        await record(tx, author, activity, status.visibility, object_uri=status.uri)
        await fanout.publish(state, tx, author, activity, inboxes=inboxes, local_ids=local_ids)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return activity["id"]


async def _react(state: State, account: Account, status: Status, activity: dict, visibility: str,
                 extra_write, *, to_followers: bool) -> str:
    target_author = await state.store.accounts.get(status.account_id)

    async def write(tx):
        await extra_write(tx)
        await record(tx, account, activity, visibility, object_uri=status.uri)
        inboxes, local_ids = ([], [])
        if to_followers:
            inboxes, local_ids = await _audience(state, tx, account, visibility, [])
        fanout.add_account(target_author, inboxes, local_ids)
        await fanout.publish(state, tx, account, activity, inboxes=inboxes, local_ids=local_ids)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    return activity["id"]


async def favourite(state: State, account: Account, status: Status) -> str:
    if not await can_view(state.store, status, account):
        raise NotFound("no such post")
    existing = await state.store.favourites.get(account.id, status.id)
    if existing:
        return existing.uri
    uri = _new_activity_uri(state)
    fav = Favourite(id=new_id(), account_id=account.id, status_id=status.id, uri=uri, created_at=time.time())
    activity = render.activity("Like", uri, account.uri, status.uri)

    async def extra(tx):
        await tx.favourites.insert(fav)
        await fanout.notify(state, tx, status.account_id, "favourite", account.id, status.id)

    return await _react(state, account, status, activity, _reaction_visibility(status), extra,
                        to_followers=False)


def _reaction_visibility(status: Status) -> str:
    """How a like of the status is recorded: local-only for a local-only post, else direct."""
    return LOCAL if local_only(status) else "direct"


async def unfavourite(state: State, account: Account, status: Status) -> str | None:
    fav = await state.store.favourites.get(account.id, status.id)
    if fav is None:
        return None
    like = render.activity("Like", fav.uri, account.uri, status.uri)
    activity = render.activity("Undo", _new_activity_uri(state), account.uri, _strip(like))

    async def extra(tx):
        await tx.favourites.delete(fav.id)

    return await _react(state, account, status, activity, _reaction_visibility(status), extra,
                        to_followers=False)


async def reblog(state: State, account: Account, status: Status) -> Status:
    if status.visibility not in BOOSTABLE or status.reblog_of_id:
        raise ServiceError("only public, unlisted and local-only posts can be boosted")
    if not await can_view(state.store, status, account):
        raise NotFound("no such post")
    existing = await state.store.statuses.reblog_of(account.id, status.id)
    if existing:
        return existing
    activity_id = new_id()
    uri = state.urls.activity(activity_id)
    author = await state.store.accounts.get(status.account_id)
    now = time.time()
    boost = Status(id=activity_id, uri=uri, url=uri, account_id=account.id, local=True,
                   visibility=status.visibility, published=now, reblog_of_id=status.id, created_at=now)
    if local_only(status):  # a boost of a local-only post is local-only too
        to, cc = [state.urls.local_public], []
    else:
        to, cc = render.announce_addressing(status.visibility, state.urls.followers(account.username),
                                            author.uri)
    activity = render.activity("Announce", uri, account.uri, status.uri, to=to, cc=cc, published=now)

    async def extra(tx):
        await tx.statuses.insert(boost)
        await fanout.to_home_timelines(state, tx, boost, account)
        await fanout.notify(state, tx, status.account_id, "reblog", account.id, status.id)

    await _react(state, account, status, activity, status.visibility, extra, to_followers=True)
    return boost


async def unreblog(state: State, account: Account, status: Status) -> str | None:
    boost = await state.store.statuses.reblog_of(account.id, status.id)
    if boost is None:
        return None
    announce = render.activity("Announce", boost.uri, account.uri, status.uri)
    activity = render.activity("Undo", _new_activity_uri(state), account.uri, _strip(announce))

    async def extra(tx):
        await fanout.announce_deletion(state, tx, boost)
        await tx.activities.delete(boost.id)
        await tx.statuses.delete(boost.id)

    return await _react(state, account, status, activity, boost.visibility, extra, to_followers=True)


def _strip(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}


async def own_status(state: State, author: Account, status_id: str) -> Status:
    """One of the author's own statuses, as stored now (NotFound for anyone else's)."""
    status = await state.store.statuses.get(str(status_id))
    if status is None or status.account_id != author.id:
        raise NotFound("Record not found")
    return status

"""Mastodon client API JSON shapes. With its two siblings, the only place that knows them.

Every entity follows docs.joinmastodon.org for the Mastodon version this server
claims (`fedi.api.entities_instance.MASTODON_VERSION`): the same keys, types and
null-ness. Optional keys Mastodon omits (e.g. a status's `favourited` for an
anonymous reader) are omitted here too. Statuses (with their media, mentions, tags and
polls) live in `fedi.api.entities_status`, notifications (which carry a status) in
`fedi.api.entities_notification`, the instance (/api/v1/instance, /api/v2/instance) in
`fedi.api.entities_instance`; the shapes built from a rendered status (context, edit
history, source) are here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fedi.activitypub.html import html_to_text
from fedi.activitypub.parse import parse_time
from fedi.models import Account, Relationship
from fedi.services import accounts as accounts_svc
from fedi.services import follows as follows_svc
from fedi.services import professional
from fedi.services import relationships as relationships_svc
from fedi.services.profile import editable_fields

ALL_VISIBILITIES = ("public", "unlisted", "private", "direct")
# Types whose notification carries the status it is about.
STATUS_NOTIFICATIONS = ("mention", "status", "reblog", "favourite", "poll", "update")


# --------------------------------------------------------------------------- dates

def iso(ts: float | None) -> str | None:
    """A Mastodon Datetime: UTC, milliseconds, "Z" ("2026-11-22T04:58:28.123Z")."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 1000)


def date_only(ts: float | None) -> str | None:
    """A Mastodon Date ("2026-11-22"), as in an account's `last_status_at`."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, UTC)
    return "%04d-%02d-%02d" % (dt.year, dt.month, dt.day)


def _midnight(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, UTC)
    return "%04d-%02d-%02dT00:00:00.000Z" % (dt.year, dt.month, dt.day)


# --------------------------------------------------------------------------- accounts

def acct(acc: Account) -> str:
    """`user` for local accounts, `user@domain` for remote ones."""
    return acc.username if acc.local else f"{acc.username}@{acc.domain}"


def _field(f: dict, value: str | None = None) -> dict:
    verified = f.get("verified_at")
    return {"name": f.get("name", ""), "value": f.get("value", "") if value is None else value,
            "verified_at": iso(verified) if isinstance(verified, (int, float)) else None}


def _role(admin: bool) -> dict:
    if admin:
        return {"id": "3", "name": "Owner", "color": "", "permissions": "1", "highlighted": False}
    return {"id": "-99", "name": "", "color": "", "permissions": "0", "highlighted": False}


NO_STATS = (0, 0, 0, None)


async def account(state, acc: Account, *, source: bool = False, stats: tuple | None = None) -> dict:
    """An Account; with `source`, the owner's CredentialAccount (adds `source` and `role`).
    `stats` are the account's counters when they were loaded with others'."""
    if stats is None:
        stats = (await accounts_svc.counters(state, [acc.id])).get(acc.id, NO_STATS)
    statuses_count, followers, following, last_status = stats
    created = (parse_time(acc.published) if not acc.local and acc.published else None) or acc.created_at
    indexable = bool(acc.discoverable) and acc.local and not state.config.professional
    suspended = bool(acc.suspended)
    avatar = None if suspended else acc.avatar_url
    header = None if suspended else acc.header_url
    avatar = avatar or f"{state.urls.base}/static/avatar.png"
    header = header or f"{state.urls.base}/static/header.png"
    doc = {
        "id": acc.id,
        "username": acc.username,
        "acct": acct(acc),
        "url": acc.url or acc.uri,
        "uri": acc.uri,
        "display_name": "" if suspended else acc.display_name,
        "note": "" if suspended else acc.note,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": False if suspended else bool(acc.locked),
        "fields": [] if suspended else [_field(f) for f in acc.fields],
        "emojis": [],
        "bot": False if suspended else bool(acc.bot or acc.actor_type in ("Service", "Application")),
        "group": acc.actor_type == "Group",
        "discoverable": False if suspended else bool(acc.discoverable),
        "indexable": indexable,
        "created_at": _midnight(created),
        "last_status_at": date_only(last_status),
        "statuses_count": statuses_count,
        "followers_count": followers,
        "following_count": following,
        "hide_collections": False if acc.local else None,
        "roles": [],
    }
    if acc.local:
        doc["noindex"] = not acc.discoverable
    if suspended:
        doc["suspended"] = True
    if source and acc.local:
        user = await accounts_svc.user_settings(state, acc)
        pending = await follows_svc.pending_for(state, acc)
        # What the owner edits: on a professional instance, without the fields made from
        # the structured profile (those are set through their labels or the profile itself).
        own = professional.free_fields(acc.fields) if state.config.professional else acc.fields
        doc["source"] = {
            "note": html_to_text(acc.note),
            "fields": [_field(f, e["value"]) for f, e in zip(own, editable_fields(own))],
            "privacy": user.default_visibility if user else "public",
            "sensitive": False,
            "language": "",
            "follow_requests_count": len(pending),
            "hide_collections": False,
            "discoverable": bool(acc.discoverable),
            "indexable": indexable,
        }
        doc["role"] = _role(bool(user and user.admin))
    return doc


async def accounts(state, items: list[Account]) -> list[dict]:
    """Several accounts, each rendered once however often it appears."""
    done: dict[str, dict] = {}
    stats = await accounts_svc.counters(state, [a.id for a in items])
    for acc in items:
        if acc.id not in done:
            done[acc.id] = await account(state, acc, stats=stats.get(acc.id, NO_STATS))
    return [done[acc.id] for acc in items]


async def accounts_by_id(state, ids: list[str]) -> list[dict]:
    """Accounts in the order of `ids`, leaving out any that no longer exist."""
    found, stats = await accounts_svc.many(state, ids)
    done: dict[str, dict] = {}
    for acc in (found[i] for i in ids if i in found):
        if acc.id not in done:
            done[acc.id] = await account(state, acc, stats=stats.get(acc.id, NO_STATS))
    return [done[i] for i in ids if i in found]


class AccountCache:
    """Accounts and their rendered entities, shared while rendering a batch."""

    def __init__(self, state):
        self.state = state
        self.records: dict[str, Account] = {}
        self.stats: dict[str, tuple] = {}
        self.rendered: dict[str, dict] = {}
        self.absent: set[str] = set()  # asked for, and gone

    def missing(self, ids) -> list[str]:
        """Those of `ids` not asked for yet."""
        return [i for i in dict.fromkeys(ids) if i and i not in self.records and i not in self.absent]

    async def load(self, ids) -> None:
        """Accounts and their counters, for all of `ids` at once."""
        missing = self.missing(ids)
        if missing:
            records, stats = await accounts_svc.many(self.state, missing)
            self._took(missing, records, stats)

    async def adopt(self, ids: list[str], versions: dict[str, int], stats: dict[str, tuple]) -> None:
        """Accounts asked for with a page's details: their current versions and counters were
        read there (those missing are gone); their records are this process's or read now."""
        self._took(ids, await accounts_svc.at_versions(self.state, versions), stats)

    def _took(self, asked: list[str], records: dict[str, Account], stats: dict[str, tuple]) -> None:
        self.records.update(records)
        self.stats.update(stats)
        self.absent.update(i for i in asked if i not in records)

    async def get(self, account_id: str | None) -> Account | None:
        if account_id and account_id not in self.records and account_id not in self.absent:
            await self.load([account_id])
        return self.records.get(account_id) if account_id else None

    async def entity(self, account_id: str) -> dict | None:
        """The account's entity, shared: nothing may change it in place. Kept across
        requests while its record (a kept record is replaced, never changed, when the account
        changes) and its counters are the same."""
        doc = self.rendered.get(account_id)
        if doc is not None:
            return doc
        acc = self.records.get(account_id) or await self.get(account_id)
        if acc is None:
            return None
        stats = self.stats.get(account_id, NO_STATS)
        kept = self.state.account_entities.get(account_id)
        if kept is not None and kept[0][0] is acc and kept[0][1] == stats:
            doc = kept[1]
        else:
            doc = await account(self.state, acc, stats=stats)
            self.state.account_entities.put(account_id, (acc, stats), doc)
        self.rendered[account_id] = doc
        return doc


def relationship_entity(target_id: str, rel: Relationship) -> dict:
    """A Relationship. `showing_reblogs` is true while a follow (or request) stands."""
    return {
        "id": target_id,
        "following": rel.following,
        "showing_reblogs": rel.following or rel.requested,
        "notifying": rel.notifying,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": rel.domain_blocking,
        "endorsed": rel.endorsed,
        "note": rel.note,
    }


async def relationship(state, viewer: Account, target: Account) -> dict:
    return relationship_entity(target.id, await relationships_svc.of(state, viewer, target))


async def relationships(state, viewer: Account, targets: list[Account]) -> list[dict]:
    """Relationships with several accounts, in their order, in one query."""
    found = await relationships_svc.between(state, viewer, targets)
    return [relationship_entity(t.id, found[t.id]) for t in targets]


# --------------------------------------------------------------------------- apps, errors, tokens

def application(name: str, website: str | None, client_id: str | None = None,
                client_secret: str | None = None, vapid_key: str | None = None, *,
                id: str | None = None, scopes: list[str] | str | None = None,
                redirect_uris: list[str] | str | None = None) -> dict:
    """Without `id`: the {name, website} hash a Status carries. With `id`: an Application,
    and a CredentialApplication when `client_id`/`client_secret` are given."""
    if id is None:
        return {"name": name, "website": website or None}
    if isinstance(scopes, str):
        scopes = scopes.split()
    if isinstance(redirect_uris, str):
        redirect_uris = redirect_uris.split()
    redirect_uris = list(redirect_uris or [])
    doc = {
        "id": str(id),
        "name": name,
        "website": website or None,
        "scopes": list(scopes or []),
        "redirect_uris": redirect_uris,
        "redirect_uri": "\n".join(redirect_uris),
        "vapid_key": vapid_key or "",
    }
    if client_id is not None:
        doc["client_id"] = client_id
    if client_secret is not None:
        doc["client_secret"] = client_secret
    return doc


def error(message: str, description: str | None = None) -> dict:
    doc = {"error": message}
    if description is not None:
        doc["error_description"] = description
    return doc


def token(access_token: str, scope: str, created_at: float | None = None) -> dict:
    return {"access_token": access_token, "token_type": "Bearer", "scope": scope,
            "created_at": int(time.time() if created_at is None else created_at)}


def context(ancestors: list[dict], descendants: list[dict]) -> dict:
    return {"ancestors": list(ancestors), "descendants": list(descendants)}


def status_edit(doc: dict, content: str, spoiler_text: str, sensitive: bool, created_at: str) -> dict:
    """A StatusEdit: one version of a status, shown with the author of the rendered status."""
    return {
        "content": content,
        "spoiler_text": spoiler_text,
        "sensitive": bool(sensitive),
        "created_at": created_at,
        "account": doc["account"],
        "media_attachments": doc["media_attachments"],
        "emojis": doc["emojis"],
    }


def status_history(doc: dict, edits: list[dict]) -> list[dict]:
    """Every version of the rendered status `doc`, oldest first: the stored earlier versions
    (`edits`, oldest first, each replaced at its `created_at`) and then the current one."""
    versions, since = [], doc["created_at"]
    for row in edits:
        versions.append(status_edit(doc, row["content"], row["summary"], row["sensitive"], since))
        since = iso(row["created_at"])
    versions.append(status_edit(doc, doc["content"], doc["spoiler_text"], doc["sensitive"], since))
    return versions


def status_source(doc: dict) -> dict:
    """A StatusSource, from a status rendered with its source."""
    return {"id": doc["id"], "text": doc["text"] or "", "spoiler_text": doc["spoiler_text"]}


def tag(state, name: str, *, following: bool | None = None) -> dict:
    """A Tag (history is not tracked, so it is empty)."""
    doc = {"name": name, "url": state.urls.tag(name), "history": []}
    if following is not None:
        doc["following"] = following
    return doc


def scheduled_status(record: dict) -> dict:
    """A ScheduledStatus: a post kept for later, with the parameters it will be made with."""
    p = record["params"]
    return {
        "id": record["id"],
        "scheduled_at": iso(record["scheduled_at"]),
        "params": {
            "text": p.get("text") or "",
            "poll": p.get("poll"),
            "media_ids": p.get("media_ids") or None,
            "sensitive": p.get("sensitive"),
            "spoiler_text": p.get("spoiler_text"),
            "visibility": p.get("visibility") or "public",
            "in_reply_to_id": p.get("in_reply_to_id"),
            "language": p.get("language"),
            "application_id": None,
            "scheduled_at": None,
            "idempotency": p.get("idempotency"),
            "with_rate_limit": False,
        },
        "media_attachments": [],
    }

"""Rendering local records as ActivityStreams documents. Pure functions, no I/O."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from fedi.activitypub import professional as professional_wire
from fedi.activitypub.audience import addressing
from fedi.activitypub.vocab import AS_CONTEXT, EXTENSION_CONTEXT, PUBLIC, SECURITY_CONTEXT
from fedi.models import Account, ProfessionalProfile, Status
from fedi.urls import Urls

CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSION_CONTEXT]
# What an attachment carries on the wire; other stored keys are for local rendering only.
AS_ATTACHMENT_KEYS = ("type", "url", "mediaType", "name", "blurhash", "width", "height", "focalPoint")


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_context(doc: dict) -> dict:
    return {"@context": CONTEXT, **doc}


def actor(account: Account, urls: Urls, *, professional: bool = False,
          profile: ProfessionalProfile | None = None, links: list[str] = ()) -> dict:
    """A local actor; with a professional `profile`, its schema.org terms too (`links` are the
    URLs of its link fields, published as sameAs)."""
    name = account.username
    doc = {
        "id": account.uri,
        "type": account.actor_type or "Person",
        "preferredUsername": name,
        "name": account.display_name or name,
        "summary": account.note,
        "url": urls.profile(name),
        "inbox": urls.inbox(name),
        "outbox": urls.outbox(name),
        "followers": urls.followers(name),
        "following": urls.following(name),
        "featured": urls.featured(name),
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": bool(account.locked),
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.discoverable) and not professional,
        "published": account.published or iso(account.created_at),
        "publicKey": {
            "id": urls.key_id(name),
            "owner": account.uri,
            "publicKeyPem": account.public_key_pem,
        },
        "attachment": [
            {"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
            for f in account.fields
        ],
        "alsoKnownAs": list(account.also_known_as),
        "tag": [],
    }
    if account.avatar_url:
        doc["icon"] = {"type": "Image", "url": account.avatar_url}
    if account.header_url:
        doc["image"] = {"type": "Image", "url": account.header_url}
    extension = professional_wire.actor_properties(profile, links)
    if extension:
        doc.update(extension)
        return {"@context": [*CONTEXT, professional_wire.CONTEXT], **doc}
    return with_context(doc)


def actor_update(activity_uri: str, actor_doc: dict, followers_url: str) -> dict:
    """Update(Person) carrying the whole actor, under the actor's own @context (so the terms
    it uses are declared)."""
    obj = {k: v for k, v in actor_doc.items() if k != "@context"}
    return {"@context": actor_doc["@context"], "id": activity_uri, "type": "Update", "actor": obj["id"],
            "object": obj, "to": [PUBLIC], "cc": [followers_url]}


def key_document(account: Account, urls: Urls) -> dict:
    """The minimal public-key document served even under authorized fetch."""
    return with_context({
        "id": account.uri,
        "type": account.actor_type or "Person",
        "preferredUsername": account.username,
        "inbox": urls.inbox(account.username),
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "publicKey": {
            "id": urls.key_id(account.username),
            "owner": account.uri,
            "publicKeyPem": account.public_key_pem,
        },
    })


def instance_actor(urls: Urls, public_key_pem: str, name: str) -> dict:
    return with_context({
        "id": urls.instance_actor,
        "type": "Application",
        "preferredUsername": urls.domain,
        "name": name,
        "inbox": urls.shared_inbox,
        "outbox": f"{urls.instance_actor}/outbox",
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "url": urls.base + "/",
        "manuallyApprovesFollowers": True,
        "publicKey": {"id": urls.instance_key_id, "owner": urls.instance_actor, "publicKeyPem": public_key_pem},
    })


def note(status: Status, author: Account, urls: Urls, *, mentioned: list[Account],
         in_reply_to_account: Account | None = None, poll: dict | None = None) -> dict:
    """A local status as a Note, or a Question if it has a poll (without @context)."""
    followers = urls.followers(author.username)
    to, cc = addressing(status.visibility, followers, [m.uri for m in mentioned],
                        local_public=urls.local_public)
    tags = [
        {"type": "Mention", "href": m.uri, "name": f"@{m.acct(urls.domain)}"} for m in mentioned
    ] + [
        {"type": "Hashtag", "href": urls.tag(t), "name": f"#{t}"} for t in status.tags
    ]
    doc = {
        "id": status.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "content": status.content,
        "summary": status.summary or None,
        "sensitive": bool(status.sensitive),
        "inReplyTo": status.in_reply_to_uri,
        "published": iso(status.published),
        "url": status.url,
        "to": to,
        "cc": cc,
        "tag": tags,
        "attachment": [
            {k: v for k, v in att.items() if v is not None and k in AS_ATTACHMENT_KEYS}
            for att in status.attachments
        ],
        "replies": urls.replies(author.username, status.id),
        "conversation": status.conversation,
    }
    if status.source is not None:
        doc["source"] = {"content": status.source, "mediaType": "text/plain"}
    if status.language:
        doc["contentMap"] = {status.language: status.content}
    if status.edited_at:
        doc["updated"] = iso(status.edited_at)
    if poll is not None:
        doc.update(question_fields(poll))
    return doc


def question_fields(poll: dict, now: float | None = None) -> dict:
    """What makes a Note a Question: its options with their tallies, and when it closes."""
    counts = list(poll.get("counts") or []) + [0] * len(poll["options"])
    options = [{"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": counts[i]}}
               for i, title in enumerate(poll["options"])]
    doc = {"type": "Question", "anyOf" if poll.get("multiple") else "oneOf": options,
           "votersCount": poll.get("voters_count") or 0}
    expires_at = poll.get("expires_at")
    if expires_at is not None:
        doc["endTime"] = iso(expires_at)
        if expires_at <= (now if now is not None else time.time()):
            doc["closed"] = iso(expires_at)
    return doc


def activity(type_: str, activity_uri: str, actor_uri: str, obj, *, to=None, cc=None,
             published: float | None = None, **extra) -> dict:
    doc = {"id": activity_uri, "type": type_, "actor": actor_uri, "object": obj}
    if to is not None:
        doc["to"] = to
    if cc is not None:
        doc["cc"] = cc
    if published is not None:
        doc["published"] = iso(published)
    doc.update({k: v for k, v in extra.items() if v is not None})
    return with_context(doc)


def flag(flag_uri: str, actor_uri: str, target_uri: str, status_uris: list[str],
         comment: str) -> dict:
    """A report sent to the reported account's server, shaped as Mastodon sends it: object is
    the account followed by the reported statuses, content the reporter's comment."""
    return with_context({"id": flag_uri, "type": "Flag", "actor": actor_uri,
                         "content": comment, "object": [target_uri, *status_uris]})


def tombstone(uri: str, former_type: str = "Note") -> dict:
    return {"id": uri, "type": "Tombstone", "formerType": former_type}


def announce_addressing(visibility: str, author_followers: str, boosted_author_uri: str):
    if visibility == "public":
        return [PUBLIC], [author_followers, boosted_author_uri]
    if visibility == "unlisted":
        return [author_followers], [PUBLIC, boosted_author_uri]
    return [author_followers], [boosted_author_uri]


def ordered_collection(collection_id: str, total: int, first: str | None, *, items=None) -> dict:
    doc = {"id": collection_id, "type": "OrderedCollection", "totalItems": total}
    if items is not None:
        doc["orderedItems"] = items
    elif first:
        doc["first"] = first
    return with_context(doc)


def collection_page(page_id: str, part_of: str, items: list, next_url: str | None,
                    total: int | None = None) -> dict:
    doc = {"id": page_id, "type": "OrderedCollectionPage", "partOf": part_of, "orderedItems": items}
    if total is not None:
        doc["totalItems"] = total
    if next_url:
        doc["next"] = next_url
    return with_context(doc)

"""ActivityPub client-to-server: activities a local account POSTs to its own outbox.

Each activity becomes a call to the same use cases every other face uses; the
returned value is the id of the activity that was published.
"""

from __future__ import annotations

from fedi.activitypub.audience import LOCAL, as_list, ids, visibility_of
from fedi.activitypub import professional as professional_wire
from fedi.activitypub.html import sanitize_html
from fedi.activitypub.parse import first_type, id_of
from fedi.activitypub.vocab import ACTOR_TYPES, NOTE_TYPES, is_public
from fedi.models import Account
from fedi.services import follows, professional, profile, remote, remote_notes, statuses
from fedi.services.errors import Forbidden, NotFound, ServiceError
from fedi.services.state import State


def _object(activity: dict) -> dict | str:
    obj = activity.get("object")
    if obj is None:
        raise ServiceError(f"{first_type(activity)} needs an object")
    return obj


def _note_text(obj: dict) -> tuple[str, str | None]:
    """(plain text, html or None) of a client-submitted note."""
    source = obj.get("source")
    if isinstance(source, dict) and isinstance(source.get("content"), str):
        return source["content"], None
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        content = next(iter(content_map.values()), "") if isinstance(content_map, dict) and content_map else ""
    if "<" in content:
        from fedi.activitypub.html import html_to_text

        return html_to_text(content), sanitize_html(content)
    return content, None


async def _create(state: State, account: Account, activity: dict) -> str:
    obj = _object(activity)
    if not isinstance(obj, dict) or first_type(obj) not in NOTE_TYPES:
        raise ServiceError("Create takes a Note object")
    text, html = _note_text(obj)
    addressed = obj if (obj.get("to") or obj.get("cc")) else activity
    visibility = None
    if state.urls.local_public in ids(addressed.get("to")) + ids(addressed.get("cc")):
        visibility = LOCAL  # addressed to this instance's own public: local-only
    elif addressed.get("to") or addressed.get("cc"):
        visibility = visibility_of(addressed, state.urls.followers(account.username))
    reply_to = None
    if id_of(obj.get("inReplyTo")):
        reply_to = await remote_notes.by_uri(state, id_of(obj.get("inReplyTo")))
    summary = obj.get("summary") if isinstance(obj.get("summary"), str) else ""
    language = None
    if isinstance(obj.get("contentMap"), dict) and obj["contentMap"]:
        language = str(next(iter(obj["contentMap"])))[:16]
    status = await statuses.create(
        state, account, text, visibility=visibility, in_reply_to=reply_to, summary=summary,
        sensitive=obj.get("sensitive") is True, language=language, html_content=html,
        recipients=await _addressed_actors(state, account, addressed),
    )
    return f"{status.uri}/activity"


async def _addressed_actors(state: State, account: Account, doc: dict) -> list[Account]:
    """Actors addressed by id in to/cc (collections and the public address are skipped)."""
    found = []
    for uri in (ids(doc.get("to")) + ids(doc.get("cc")))[:50]:
        if is_public(uri) or uri in (account.uri, state.urls.followers(account.username),
                                     state.urls.local_public):
            continue
        if not uri.startswith(("http://", "https://")) or uri.endswith(("/followers", "/following")):
            continue
        try:
            found.append(await remote.account_by_uri(state, uri))
        except ServiceError:
            continue
    return found


async def _own_status(state: State, account: Account, uri: str):
    status = await state.store.statuses.by_uri(uri)
    if status is None:
        raise NotFound(f"no such post {uri}")
    if status.account_id != account.id:
        raise Forbidden("that post is not yours")
    return status


async def _status(state: State, obj) -> object:
    uri = id_of(obj)
    if not uri:
        raise ServiceError("the object needs an id")
    return await remote_notes.by_uri(state, uri)


async def _actor(state: State, obj) -> Account:
    uri = id_of(obj)
    if not uri:
        raise ServiceError("the object must be an actor id")
    return await remote.account_by_reference(state, uri)


async def _follow(state, account, activity):
    note = activity.get("content") if isinstance(activity.get("content"), str) else ""
    fol = await follows.follow(state, account, await _actor(state, _object(activity)), note=note)
    return fol.uri


async def _like(state, account, activity):
    return await statuses.favourite(state, account, await _status(state, _object(activity)))


async def _announce(state, account, activity):
    return (await statuses.reblog(state, account, await _status(state, _object(activity)))).uri


async def _delete(state, account, activity):
    uri = id_of(_object(activity))
    if uri == account.uri:
        raise ServiceError("deleting an account is not supported through the outbox")
    return await statuses.delete(state, account, await _own_status(state, account, uri or ""))


async def _update(state, account, activity):
    obj = _object(activity)
    if not isinstance(obj, dict):
        raise ServiceError("Update takes an embedded object")
    if first_type(obj) in ACTOR_TYPES:
        if id_of(obj) != account.uri:
            raise Forbidden("you can only update your own actor")
        changes = {}
        mapping = {"name": "display_name", "summary": "note", "manuallyApprovesFollowers": "locked",
                   "discoverable": "discoverable", "alsoKnownAs": "also_known_as"}
        for key, target in mapping.items():
            if key in obj:
                changes[target] = obj[key]
        if "attachment" in obj:
            changes["fields"] = [
                {"name": a.get("name", ""), "value": a.get("value", "")}
                for a in as_list(obj["attachment"]) if isinstance(a, dict) and first_type(a) == "PropertyValue"
            ]
        parts = None
        extension = professional_wire.parse(obj, account.id)
        if extension is not None and state.config.professional:
            parts = {k: getattr(extension, k) for k in professional.PARTS}
        _, uri = await profile.update_profile(state, account, professional_parts=parts, **changes)
        return uri
    status = await _own_status(state, account, id_of(obj) or "")
    text, _html = _note_text(obj)
    summary = obj.get("summary") if isinstance(obj.get("summary"), str) else None
    return await statuses.edit(state, account, status, text, summary=summary,
                               sensitive=obj.get("sensitive") if isinstance(obj.get("sensitive"), bool) else None)


async def _requester(state, account, activity) -> Account:
    obj = _object(activity)
    follow = await state.store.follows.by_uri(id_of(obj) or "")
    if follow is not None:
        if follow.target_id != account.id:
            raise Forbidden("that follow request is not addressed to you")
        return await state.store.accounts.get(follow.follower_id)
    if isinstance(obj, dict) and first_type(obj) == "Follow":
        return await _actor(state, obj.get("actor"))
    return await _actor(state, obj)


async def _accept(state, account, activity):
    return await follows.accept(state, account, await _requester(state, account, activity))


async def _reject(state, account, activity):
    return await follows.reject(state, account, await _requester(state, account, activity))


async def _block(state, account, activity):
    return (await follows.block(state, account, await _actor(state, _object(activity)))).uri


async def _undo(state, account, activity):
    ref = id_of(_object(activity)) or ""
    original = await state.store.activities.by_uri(ref)
    if original is None or original.account_id != account.id:
        raise NotFound("no activity of yours with that id")
    kind, target = original.type, original.object_uri or id_of(original.body.get("object"))
    if kind == "Follow":
        result = await follows.unfollow(state, account, await _actor(state, target))
    elif kind == "Block":
        result = await follows.unblock(state, account, await _actor(state, target))
    elif kind == "Like":
        result = await statuses.unfavourite(state, account, await _status(state, target))
    elif kind == "Announce":
        result = await statuses.unreblog(state, account, await _status(state, target))
    else:
        raise ServiceError(f"{kind} cannot be undone")
    if result is None:
        raise NotFound("nothing to undo")
    return result


HANDLERS = {
    "Create": _create, "Follow": _follow, "Like": _like, "Announce": _announce, "Delete": _delete,
    "Update": _update, "Accept": _accept, "Reject": _reject, "Block": _block, "Undo": _undo,
}


async def submit(state: State, account: Account, doc: dict) -> str:
    kind = first_type(doc)
    if kind in NOTE_TYPES:
        doc = {"type": "Create", "actor": account.uri, "object": doc,
               "to": doc.get("to"), "cc": doc.get("cc")}
        kind = "Create"
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ServiceError(f"{kind or 'untyped'} activities are not supported in the outbox")
    actor = id_of(doc.get("actor"))
    if actor is not None and actor != account.uri:
        raise Forbidden("the activity's actor must be the outbox owner")
    return await handler(state, account, doc)

"""Profile changes of local accounts, federated as Update(Person)."""

from __future__ import annotations

from fedi.activitypub import render
from fedi.activitypub.html import sanitize_html, sanitize_text
from fedi.activitypub.text import render_plain_text
from fedi.ids import new_id
from fedi.models import Account
from fedi.services import fanout, link_verification
from fedi.services.errors import ServiceError
from fedi.services.state import State
from fedi.services.statuses import record

MAX_FIELDS = 8
EDITABLE = ("display_name", "note", "locked", "discoverable", "bot", "fields", "also_known_as",
            "avatar_url", "header_url")


def clean_fields(fields) -> list[dict]:
    if not isinstance(fields, list):
        raise ServiceError("fields must be a list")
    out = []
    for f in fields[:MAX_FIELDS]:
        if not isinstance(f, dict):
            raise ServiceError("each field needs a name and a value")
        name = sanitize_text(str(f.get("name", "")), 255)
        value = str(f.get("value", ""))[:2048]
        if name or value:
            out.append({"name": name, "value": value})
    return out


def render_field_value(value: str, tag_url) -> str:
    """Field values are plain text with links, like Mastodon's."""
    if "<" in value:
        return sanitize_html(value)
    html = render_plain_text(value, mentions={}, tag_url=tag_url)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


async def image_url(state: State, account: Account, data: bytes, content_type: str, filename: str) -> str:
    """Store an avatar or header image (checked and re-encoded like any upload); its URL."""
    from fedi.services import media

    stored = await media.upload(state, account, data, content_type, filename, None, None)
    return media.file_url(state, stored.file_name)


async def remove_image(state: State, account: Account, which: str) -> Account:
    """Remove the avatar or the header (federated like any profile change); nothing to do
    without one."""
    if which not in ("avatar", "header"):
        raise ServiceError(f"no such profile image: {which}")
    key = f"{which}_url"
    if getattr(account, key) is None:
        return account
    account, _ = await update_profile(state, account, **{key: None})
    return account


async def set_default_visibility(state: State, account: Account, visibility: str) -> None:
    from fedi.activitypub.audience import normalize

    try:
        value = normalize(visibility)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    await state.store.users.update(account.id, default_visibility=value)


async def update_profile(state: State, account: Account, **changes) -> tuple[Account, str]:
    """Apply changes and federate them. Returns the updated account and the Update's id."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(f"cannot change {', '.join(sorted(unknown))}")
    if "display_name" in changes:
        changes["display_name"] = sanitize_text(changes["display_name"] or "", 100)
    if "note" in changes:
        changes["note"] = render_plain_text(changes["note"] or "", mentions={}, tag_url=state.urls.tag) \
            if "<" not in (changes["note"] or "") else sanitize_html(changes["note"])
    check_links = False
    if "fields" in changes:
        changes["fields"] = link_verification.carry_over(account.fields, [
            {"name": f["name"], "value": render_field_value(f["value"], state.urls.tag)}
            for f in clean_fields(changes["fields"])
        ])
        # Saving the fields checks every unverified link again (its page may link back by now).
        check_links = link_verification.needs_check(changes["fields"])
    if "also_known_as" in changes:
        aka = changes["also_known_as"]
        if not isinstance(aka, list) or not all(isinstance(a, str) and a.startswith(("http://", "https://"))
                                                for a in aka):
            raise ServiceError("alsoKnownAs must be a list of actor URLs")
        changes["also_known_as"] = aka[:10]
    for key in ("locked", "discoverable", "bot"):
        if key in changes:
            changes[key] = bool(changes[key])
    for key, value in changes.items():
        setattr(account, key, value)
    body = render.activity("Update", state.urls.activity(new_id()), account.uri,
                           {k: v for k, v in render.actor(account, state.urls,
                                                          professional=state.config.professional).items()
                            if k != "@context"},
                           to=[render.PUBLIC], cc=[state.urls.followers(account.username)])

    async def write(tx):
        await tx.accounts.update(account.id, **changes)
        await record(tx, account, body, "public", object_uri=account.uri)
        inboxes, local_ids = await fanout.follower_targets(tx, account)
        await fanout.publish(state, tx, account, body, inboxes=list(inboxes), local_ids=list(local_ids))
        if check_links:
            await link_verification.enqueue(state, account.id, tx)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    if check_links:
        state.notify_queue(link_verification.QUEUE)
    return account, body["id"]

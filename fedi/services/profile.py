"""Profile changes of local accounts, federated as Update(Person).

On a professional instance the profile also has its structured part
(`fedi.services.professional`): fields a client labels Headline, Position, Organization,
Location or Skills set that part, and the fields the account publishes are made from it,
followed by the account's own.
"""

from __future__ import annotations

from fedi.activitypub import render
from fedi.activitypub.html import html_to_text, sanitize_html, sanitize_text
from fedi.activitypub.text import render_plain_text
from fedi.ids import new_id
from fedi.models import Account, ProfessionalProfile
from fedi.services import fanout, link_verification, professional
from fedi.services.errors import ServiceError
from fedi.services.state import State
from fedi.services.statuses import record

MAX_FIELDS = 8
MAX_ALIASES = 10
EDITABLE = ("display_name", "note", "locked", "discoverable", "bot", "fields", "also_known_as",
            "avatar_url", "header_url")


def clean_fields(fields, limit: int = MAX_FIELDS) -> list[dict]:
    if not isinstance(fields, list):
        raise ServiceError("fields must be a list")
    out = []
    for f in fields[:limit]:
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


def editable_fields(fields: list[dict]) -> list[dict]:
    """Stored fields as their owner typed them: a link as its URL, anything else as text."""
    return [{"name": f.get("name", ""),
             "value": link_verification.field_link(f.get("value", "")) or html_to_text(f.get("value", ""))}
            for f in fields]


def own_fields(state: State, account: Account) -> list[dict]:
    """The account's own fields, editable (without those made from a professional profile)."""
    fields = professional.free_fields(account.fields) if state.config.professional else account.fields
    return editable_fields(fields)


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


async def default_visibility(state: State, account: Account) -> str:
    """Who the account's posts reach unless it says otherwise."""
    user = await state.store.users.get(account.id)
    return user.default_visibility if user else "public"


async def set_default_visibility(state: State, account: Account, visibility: str) -> None:
    from fedi.activitypub.audience import normalize

    try:
        value = normalize(visibility)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    await state.store.users.update(account.id, default_visibility=value)


def _aliases(aka) -> list[str]:
    if not isinstance(aka, list) or not all(isinstance(a, str) and a.startswith(("http://", "https://"))
                                            for a in aka):
        raise ServiceError("alsoKnownAs must be a list of actor URLs")
    return list(dict.fromkeys(aka))[:MAX_ALIASES]


async def actor_document(state: State, account: Account, profile: ProfessionalProfile | None = None) -> dict:
    """The account's actor as published (with its professional profile, if it has one)."""
    if profile is None and state.config.professional:
        profile = await state.store.professional_profiles.get(account.id)
    urls = [link["url"] for link in professional.links(account.fields)] if profile else []
    return render.actor(account, state.urls, professional=state.config.professional, profile=profile,
                        links=urls)


async def _profile_changes(state: State, account: Account, changes: dict, parts: dict | None):
    """Work out the structured profile and the fields to publish: (profile or None, changes)."""
    if not state.config.professional:
        if parts:
            raise ServiceError("Professional profiles are kept on professional instances.", 422)
        return None, changes
    parts = dict(parts or {})
    if "links" in parts:
        base = changes.get("fields", editable_fields(account.fields))
        changes["fields"] = professional.links_to_fields(parts.pop("links"), base)
    if "fields" in changes:
        labelled, changes["fields"] = professional.split_fields(clean_fields(changes["fields"], 4 * MAX_FIELDS))
        parts = {**labelled, **parts}
    if not parts and "fields" not in changes:
        return None, changes
    current = await professional.get(state.store, account)
    return (professional.apply(current, parts) if parts else current), changes


async def update_profile(state: State, account: Account, *, professional_parts: dict | None = None,
                         **changes) -> tuple[Account, str]:
    """Apply changes and federate them. Returns the updated account and the Update's id.
    `professional_parts` changes parts of the structured profile (professional instances)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(f"cannot change {', '.join(sorted(unknown))}")
    new_profile, changes = await _profile_changes(state, account, changes, professional_parts)
    if "display_name" in changes:
        changes["display_name"] = sanitize_text(changes["display_name"] or "", 100)
    if "note" in changes:
        changes["note"] = render_plain_text(changes["note"] or "", mentions={}, tag_url=state.urls.tag) \
            if "<" not in (changes["note"] or "") else sanitize_html(changes["note"])
    if "fields" in changes or new_profile is not None:
        if "fields" in changes:
            own = [{"name": f["name"], "value": render_field_value(f["value"], state.urls.tag)}
                   for f in clean_fields(changes["fields"])]
        else:
            own = professional.free_fields(account.fields)
        published = professional.with_profile_fields(new_profile, own) if new_profile is not None else own
        changes["fields"] = link_verification.carry_over(account.fields, published)
    if "also_known_as" in changes:
        changes["also_known_as"] = _aliases(changes["also_known_as"])
    for key in ("locked", "discoverable", "bot"):
        if key in changes:
            changes[key] = bool(changes[key])
    old_aliases = list(account.also_known_as)
    for key, value in changes.items():
        setattr(account, key, value)
    # Saving the profile checks its links again: unverified ones (the page may link back by
    # now) and links to accounts, which must still link back.
    check_links = any(link_verification.field_link(f.get("value", "")) for f in account.fields) \
        or bool(account.also_known_as) or bool(old_aliases)
    doc = await actor_document(state, account, new_profile)
    body = render.actor_update(state.urls.activity(new_id()), doc, state.urls.followers(account.username))

    async def write(tx):
        await tx.accounts.update(account.id, **changes)
        if new_profile is not None:
            await tx.professional_profiles.replace(new_profile)
        await record(tx, account, body, "public", object_uri=account.uri)
        inboxes, local_ids = await fanout.follower_targets(tx, account)
        inboxes = list(inboxes) + await linked_inboxes(tx, old_aliases + account.also_known_as)
        await fanout.publish(state, tx, account, body, inboxes=inboxes, local_ids=list(local_ids))
        if check_links:
            await link_verification.enqueue(state, account.id, tx, recheck=True)
            await link_verification.enqueue_linking(state, account, tx)

    await state.store.atomic(write)
    state.notify_queue(fanout.DELIVER_QUEUE)
    if check_links:
        state.notify_queue(link_verification.QUEUE)
    return account, body["id"]


async def linked_inboxes(tx, aliases: list[str]) -> list[str]:
    """Inboxes of the accounts an account says it also is (known ones): their servers hear of
    its profile changes at once, so they can check the link again."""
    out = []
    for uri in dict.fromkeys(aliases):
        other = await tx.accounts.by_uri(uri)
        if other is not None and not other.local and other.delivery_inbox:
            out.append(other.delivery_inbox)
    return out

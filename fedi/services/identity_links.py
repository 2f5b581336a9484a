"""Linked identities: one person's accounts on two servers (say, personal and professional)
saying that they belong together.

Linking adds the other account to this one's alsoKnownAs and a profile field that links to
its profile page. Each server then checks the claim (`link_verification`): the link is
shown as verified only while the other account links back. A link is a statement, not a
bridge: nothing is followed, shared or posted across it.
"""

from __future__ import annotations

import re

from fedi.models import Account
from fedi.services import link_verification, profile, remote
from fedi.services.errors import ServiceError
from fedi.services.state import State

MAX_LABEL = 100
_HANDLE_RE = re.compile(r"^@?[A-Za-z0-9_.~-]{1,64}(@[A-Za-z0-9.-]+(:\d{1,5})?)?$")


def _points_to(value: str, other: Account) -> bool:
    wanted = {link_verification.normalize(u) for u in (other.url, other.uri) if u}
    return link_verification.normalize(link_verification.field_link(value) or "") in wanted


async def linked(state: State, account: Account) -> list[dict]:
    """The accounts this one says it also is: {"uri", "account" (None if unknown here), "label",
    "verified_at" (of the field linking to it, or None)}."""
    others = {a.uri: a for a in [await state.store.accounts.by_uri(u) for u in account.also_known_as] if a}
    out = []
    for uri in account.also_known_as:
        other = others.get(uri)
        field = next((f for f in account.fields if other is not None and _points_to(f.get("value", ""), other)),
                     None)
        out.append({"uri": uri, "account": other, "label": field.get("name", "") if field else "",
                    "verified_at": field.get("verified_at") if field else None})
    return out


async def _default_label(state: State, other: Account) -> str:
    if await state.store.professional_profiles.get(other.id):
        return "Professional profile"
    return "Personal profile" if state.config.professional else "Also me"


async def link(state: State, account: Account, reference: str, label: str = "") -> Account:
    """Link `account` to the account named by `reference` (a handle or an actor URL); the
    other account, as known here."""
    reference = str(reference or "").strip()
    if not (_HANDLE_RE.match(reference) or re.match(r"^https?://[^\s/]+/\S*$", reference)):
        raise ServiceError("Name the other account as user@server, or by the address of its profile.", 422)
    other = await remote.account_by_reference(state, reference)
    if other.id == account.id:
        raise ServiceError("That is this account.", 422)
    label = " ".join(str(label or "").split())[:MAX_LABEL] or await _default_label(state, other)
    own = [f for f in profile.own_fields(state, account) if not _points_to(f["value"], other)]
    if len(own) >= profile.MAX_FIELDS:
        raise ServiceError(f"Your profile already has {profile.MAX_FIELDS} fields; remove one to add this link.",
                           422)
    aliases = [a for a in account.also_known_as if a != other.uri] + [other.uri]
    if len(aliases) > profile.MAX_ALIASES:
        raise ServiceError(f"An account can be linked to at most {profile.MAX_ALIASES} others.", 422)
    await profile.update_profile(state, account, fields=own + [{"name": label, "value": other.url or other.uri}],
                                 also_known_as=aliases)
    return other


async def unlink(state: State, account: Account, uri: str) -> None:
    """Take back a link: the alias and the profile field linking to that account."""
    if uri not in account.also_known_as:
        raise ServiceError("This account is not linked to that one.", 404)
    other = await state.store.accounts.by_uri(uri)
    own = profile.own_fields(state, account)
    if other is not None:
        own = [f for f in own if not _points_to(f["value"], other)]
    await profile.update_profile(state, account, fields=own,
                                 also_known_as=[a for a in account.also_known_as if a != uri])

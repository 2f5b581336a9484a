"""What a profile page shows beyond the Account document: the professional profile (all of
it on a professional instance; the headline elsewhere), the fields left to list beside it,
and the rel="me" links of a local account."""

from __future__ import annotations

from fedi.activitypub import professional as wire
from fedi.models import Account
from fedi.services import professional
from fedi.services.link_verification import field_link


def _full(prof) -> dict:
    return {
        "full": True, "headline": prof.headline, "position": prof.position, "organization": prof.organization,
        "location": prof.location, "skills": prof.skills,
        "experience": [{"role": e.role, "organization": e.organization, "description": e.description,
                        "period": wire.period(e.start, e.end), "current": not e.end}
                       for e in prof.experience],
        "education": [{"school": e.school, "degree": e.degree,
                       "period": wire.period(str(e.start_year or ""), str(e.end_year or ""), current=False)}
                      for e in prof.education],
    }


async def professional_section(state, account: Account, fields: list[dict]) -> tuple[dict | None, list[dict]]:
    """(what to show of the account's professional profile or None, the fields to list)."""
    prof = await professional.profile_of(state, account)
    if prof.empty:
        return None, fields
    if state.config.professional:
        return _full(prof), [f for f in fields if not wire.is_profile_field(f["name"])]
    shown = {"full": False, "headline": prof.headline}
    return shown, [f for f in fields if not (prof.headline and f["name"].strip().lower() == "headline")]


def rel_me(account: Account) -> list[str]:
    """For a local account: the pages it says are its own (field links, linked accounts), as
    <link rel="me"> for rel="me" verifiers such as Mastodon's."""
    if not account.local:
        return []
    urls = [field_link(f.get("value", "")) for f in professional.free_fields(account.fields)]
    return list(dict.fromkeys([u for u in urls if u] + list(account.also_known_as)))

"""Professional profiles: checking what their owners enter, keeping remote ones, and the
profile fields made from them.

A profile is edited whole or in parts (`changes`: headline, position, organization,
location, skills, experience, education, links). Local input is checked strictly and
refused with a message naming the part; remote profiles are taken leniently (invalid
entries dropped, long values cut). Saving goes through `profile.update_profile`, which
federates the change.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

from fedi.activitypub import professional as wire
from fedi.models import Account, Education, Experience, ProfessionalProfile
from fedi.services.errors import ServiceError
from fedi.services.link_verification import field_link
from fedi.services.state import State

PARTS = ("headline", "position", "organization", "location", "skills", "experience", "education")
LIMITS = {"headline": 160, "position": 100, "organization": 100, "location": 100}
MAX_SKILLS, MAX_SKILL = 50, 60
MAX_EXPERIENCE, MAX_EDUCATION = 30, 20
MAX_NAME, MAX_DESCRIPTION = 150, 2000
MIN_YEAR, MAX_YEAR = 1900, 2100
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-\d{1,2})?$")
CURRENT_WORDS = {"", "now", "present", "current", "today"}


class Invalid(ServiceError):
    def __init__(self, message: str):
        super().__init__(message, 422)


def _line(value, limit: int, where: str, strict: bool) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        if strict:
            raise Invalid(f"{where} must be text")
        return ""
    text = wire.plain(value, 10 * limit)  # kept as written: pages and fields escape it
    if len(text) > limit:
        if strict:
            raise Invalid(f"{where} can be at most {limit} characters long")
        text = text[:limit].rstrip()
    return text


def _paragraph(value, limit: int, where: str, strict: bool) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        if strict:
            raise Invalid(f"{where} must be text")
        return ""
    text = "\n".join(" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")).strip()
    text = re.sub(r"\n{3,}", "\n\n", "".join(c for c in text if c == "\n" or c.isprintable()))
    if len(text) > limit:
        if strict:
            raise Invalid(f"{where} can be at most {limit} characters long")
        text = text[:limit].rstrip()
    return text


def _date(value, where: str, strict: bool) -> str:
    """"YYYY" or "YYYY-MM" ("" for none, or for "now" and its like)."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if text.lower() in CURRENT_WORDS:
        return ""
    m = _DATE_RE.match(text)
    month = int(m.group(2)) if m and m.group(2) else None
    if not m or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR or (month is not None and not 1 <= month <= 12):
        if strict:
            raise Invalid(f"{where} must be a year (2021) or a year and month (2021-03)")
        return ""
    return f"{m.group(1)}-{month:02d}" if month else m.group(1)


def _year(value, where: str, strict: bool) -> int | None:
    if value is None or value == "":
        return None
    try:
        year = int(str(value).strip()[:4]) if not isinstance(value, bool) else None
    except ValueError:
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        if strict:
            raise Invalid(f"{where} must be a year between {MIN_YEAR} and {MAX_YEAR}")
        return None
    return year


def _entries(value, limit: int, what: str, strict: bool) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        if strict:
            raise Invalid(f"{what} must be a list")
        return []
    if len(value) > limit:
        if strict:
            raise Invalid(f"a profile can list at most {limit} {what} entries")
        value = value[:limit]
    return value


def _attr(item, key):
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _experience(items, strict: bool) -> list[Experience]:
    out = []
    for n, item in enumerate(_entries(items, MAX_EXPERIENCE, "experience", strict)):
        where = f"experience[{n}]"
        if not isinstance(item, (dict, Experience)):
            if strict:
                raise Invalid(f"{where} must be an object with role, organization, start, end and description")
            continue
        role = _line(_attr(item, "role"), MAX_NAME, f"{where}.role", strict)
        entry = Experience(role=role, organization=_line(_attr(item, "organization"), MAX_NAME,
                                                         f"{where}.organization", strict),
                           start=_date(_attr(item, "start"), f"{where}.start", strict),
                           end=_date(_attr(item, "end"), f"{where}.end", strict),
                           description=_paragraph(_attr(item, "description"), MAX_DESCRIPTION,
                                                  f"{where}.description", strict))
        if not role:
            if strict and (entry.organization or entry.start or entry.end or entry.description):
                raise Invalid(f"{where}.role is required")
            continue
        if entry.start and entry.end and entry.end[:7] < entry.start[:7]:
            if strict:
                raise Invalid(f"{where} ends before it starts")
            entry.end = ""
        out.append(entry)
    return out


def _education(items, strict: bool) -> list[Education]:
    out = []
    for n, item in enumerate(_entries(items, MAX_EDUCATION, "education", strict)):
        where = f"education[{n}]"
        if not isinstance(item, (dict, Education)):
            if strict:
                raise Invalid(f"{where} must be an object with school, degree, start_year and end_year")
            continue
        school = _line(_attr(item, "school"), MAX_NAME, f"{where}.school", strict)
        entry = Education(school=school, degree=_line(_attr(item, "degree"), MAX_NAME, f"{where}.degree", strict),
                          start_year=_year(_attr(item, "start_year"), f"{where}.start_year", strict),
                          end_year=_year(_attr(item, "end_year"), f"{where}.end_year", strict))
        if not school:
            if strict and (entry.degree or entry.start_year or entry.end_year):
                raise Invalid(f"{where}.school is required")
            continue
        if entry.start_year and entry.end_year and entry.end_year < entry.start_year:
            if strict:
                raise Invalid(f"{where} ends before it starts")
            entry.end_year = None
        out.append(entry)
    return out


def _skills(value, strict: bool) -> list[str]:
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    items = _entries(value, 10 * MAX_SKILLS, "skills", strict)
    seen, out = set(), []
    for n, item in enumerate(items):
        skill = _line(item, MAX_SKILL, f"skills[{n}]", strict)
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            out.append(skill)
    if len(out) > MAX_SKILLS:
        if strict:
            raise Invalid(f"a profile can list at most {MAX_SKILLS} skills")
        out = out[:MAX_SKILLS]
    return out


def apply(base: ProfessionalProfile, changes: dict, *, strict: bool = True) -> ProfessionalProfile:
    """`base` with the given parts replaced, each checked (and, if `strict`, refused when wrong)."""
    unknown = set(changes) - set(PARTS)
    if unknown and strict:
        raise Invalid(f"unknown profile part(s): {', '.join(sorted(unknown))}")
    out = replace(base, skills=list(base.skills), experience=list(base.experience), education=list(base.education))
    for key, limit in LIMITS.items():
        if key in changes:
            setattr(out, key, _line(changes[key], limit, key, strict))
    if "skills" in changes:
        out.skills = _skills(changes["skills"], strict)
    if "experience" in changes:
        out.experience = _experience(changes["experience"], strict)
    if "education" in changes:
        out.education = _education(changes["education"], strict)
    out.updated_at = time.time()
    return out


def from_remote(parsed: ProfessionalProfile) -> ProfessionalProfile:
    """A profile read from a remote actor, within the limits local ones keep."""
    empty = ProfessionalProfile(account_id=parsed.account_id)
    return apply(empty, {k: getattr(parsed, k) for k in PARTS}, strict=False)


async def get(store, account: Account) -> ProfessionalProfile:
    """The account's profile (an empty one when it has none)."""
    return await store.professional_profiles.get(account.id) or ProfessionalProfile(account_id=account.id)


async def profile_of(state: State, account: Account) -> ProfessionalProfile:
    """The account's professional profile (an empty one when it has none)."""
    return await get(state.store, account)


# --------------------------------------------------------------------------- profile fields

def split_fields(fields: list[dict]) -> tuple[dict, list[dict]]:
    """Fields as a client sends them -> (profile parts their labels name, the other fields).
    Fields labelled Experience or Education are left out: those are edited as entries."""
    parts, free = {}, []
    for f in fields:
        name = str(f.get("name", ""))
        part = wire.label_part(name)
        if part is not None:
            parts[part] = str(f.get("value", ""))
        elif not wire.is_profile_field(name):
            free.append(f)
    return parts, free


def free_fields(fields: list[dict]) -> list[dict]:
    """An account's own fields, without those made from its professional profile."""
    return [f for f in fields if not wire.is_profile_field(f.get("name", ""))]


def with_profile_fields(profile: ProfessionalProfile, fields: list[dict]) -> list[dict]:
    """The fields a local professional account publishes: its profile's, then its own."""
    return wire.property_values(profile) + free_fields(fields)


def links(fields: list[dict]) -> list[dict]:
    """The profile's links: fields whose value is a single link ({name, url, verified_at})."""
    out = []
    for f in fields:
        url = field_link(f.get("value", ""))
        if url and not wire.is_profile_field(f.get("name", "")):
            out.append({"name": f.get("name", ""), "url": url, "verified_at": f.get("verified_at")})
    return out


def links_to_fields(new_links, fields: list[dict]) -> list[dict]:
    """The account's own fields with their links replaced by `new_links` ([{name, url}])."""
    if not isinstance(new_links, list):
        raise Invalid("links must be a list of {name, url}")
    out = [f for f in free_fields(fields) if not field_link(f.get("value", ""))]
    for n, link in enumerate(new_links):
        url = str(_attr(link, "url") or "").strip()
        if not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise Invalid(f"links[{n}].url must be an http(s) URL")
        name = _line(_attr(link, "name"), 255, f"links[{n}].name", True) or url.split("/")[2]
        out.append({"name": name, "value": url})
    return out

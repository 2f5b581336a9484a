"""The professional profile on the wire. Pure functions, no I/O.

An actor carries its structured profile twice (docs/federation.md, "Professional profiles"):

* as schema.org properties of the actor, declared in its @context, which another fedi
  professional instance reads back into the same structure:
  `disambiguatingDescription` (headline), `jobTitle`, `worksFor` (an Organization),
  `homeLocation` (a Place), `knowsAbout` (skills), `hasOccupation` (work history, each an
  EmployeeRole), `alumniOf` (education, each an OrganizationRole) and `sameAs` (links);
* as Mastodon-compatible PropertyValue fields ("Headline", "Position", ...), which every
  server and client shows. `property_values` makes them; `LABELS` recognises them.
"""

from __future__ import annotations

import re
from html import escape

from fedi.activitypub.audience import as_list
from fedi.models import Education, Experience, ProfessionalProfile

SCHEMA = "https://schema.org/"
CONTEXT = {
    "disambiguatingDescription": SCHEMA + "disambiguatingDescription",
    "jobTitle": SCHEMA + "jobTitle",
    "worksFor": SCHEMA + "worksFor",
    "homeLocation": SCHEMA + "homeLocation",
    "knowsAbout": SCHEMA + "knowsAbout",
    "hasOccupation": SCHEMA + "hasOccupation",
    "alumniOf": SCHEMA + "alumniOf",
    "sameAs": {"@id": SCHEMA + "sameAs", "@type": "@id"},
    "EmployeeRole": SCHEMA + "EmployeeRole",
    "OrganizationRole": SCHEMA + "OrganizationRole",
    "roleName": SCHEMA + "roleName",
    "startDate": SCHEMA + "startDate",
    "endDate": SCHEMA + "endDate",
    "description": SCHEMA + "description",
}
PROPERTIES = ("disambiguatingDescription", "jobTitle", "worksFor", "homeLocation", "knowsAbout",
              "hasOccupation", "alumniOf")

# The PropertyValue fields made from a profile, in order, and the labels read back into it
# (case-insensitive) when a client sets profile fields.
FIELD_NAMES = ("Headline", "Position", "Organization", "Location", "Skills", "Experience", "Education")
LABELS = {"headline": "headline", "position": "position", "job title": "position", "title": "position",
          "organization": "organization", "organisation": "organization", "company": "organization",
          "employer": "organization", "location": "location", "skills": "skills"}
DISPLAY_ONLY = {"experience", "education"}  # shown as fields, edited as structured entries
SHOWN_ENTRIES = 3  # roles and schools listed in one field before "and N more"

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_YEAR_RE = re.compile(r"^\s*(\d{4})")


def is_profile_field(name: str) -> bool:
    """Whether a profile field's label belongs to the structured profile."""
    key = " ".join(str(name or "").lower().split())
    return key in LABELS or key in DISPLAY_ONLY


def label_part(name: str) -> str | None:
    """The profile part a field label sets ("Skills" -> "skills"), else None."""
    return LABELS.get(" ".join(str(name or "").lower().split()))


# --------------------------------------------------------------------------- rendering

def _org(name: str) -> dict:
    return {"type": "Organization", "name": name}


def actor_properties(profile: ProfessionalProfile | None, links: list[str] = ()) -> dict:
    """The schema.org properties of an actor with this profile (none for an empty one)."""
    if profile is None or profile.empty:
        return {}
    doc: dict = {}
    if profile.headline:
        doc["disambiguatingDescription"] = profile.headline
    if profile.position:
        doc["jobTitle"] = profile.position
    if profile.organization:
        doc["worksFor"] = _org(profile.organization)
    if profile.location:
        doc["homeLocation"] = {"type": "Place", "name": profile.location}
    if profile.skills:
        doc["knowsAbout"] = list(profile.skills)
    if profile.experience:
        doc["hasOccupation"] = [_role(e) for e in profile.experience]
    if profile.education:
        doc["alumniOf"] = [_schooling(e) for e in profile.education]
    if links:
        doc["sameAs"] = list(links)
    return doc


def _role(e: Experience) -> dict:
    doc = {"type": "EmployeeRole", "roleName": e.role}
    if e.organization:
        doc["worksFor"] = _org(e.organization)
    if e.start:
        doc["startDate"] = e.start
    if e.end:
        doc["endDate"] = e.end
    if e.description:
        doc["description"] = e.description
    return doc


def _schooling(e: Education) -> dict:
    doc = {"type": "OrganizationRole", "alumniOf": _org(e.school)}
    if e.degree:
        doc["roleName"] = e.degree
    if e.start_year is not None:
        doc["startDate"] = str(e.start_year)
    if e.end_year is not None:
        doc["endDate"] = str(e.end_year)
    return doc


def format_date(value: str) -> str:
    """"2021-03" -> "Mar 2021", "2021" -> "2021"."""
    year, _, month = (value or "").partition("-")
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{_MONTHS[int(month) - 1]} {year}"
    return year


def period(start: str, end: str, *, current: bool = True) -> str:
    """"Mar 2021 – now", "2012 – 2014", "" when there are no dates."""
    if not start and not end:
        return ""
    left = format_date(start) if start else "?"
    right = format_date(end) if end else ("now" if current else "")
    return f"{left} – {right}" if right else left


def role_line(e: Experience) -> str:
    what = f"{e.role} at {e.organization}" if e.organization else e.role
    when = period(e.start, e.end)
    return f"{what} ({when})" if when else what


def school_line(e: Education) -> str:
    what = f"{e.degree}, {e.school}" if e.degree else e.school
    when = period(str(e.start_year or ""), str(e.end_year or ""), current=False)
    return f"{what} ({when})" if when else what


def _listing(lines: list[str]) -> str:
    shown = lines[:SHOWN_ENTRIES]
    more = len(lines) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def property_values(profile: ProfessionalProfile | None) -> list[dict]:
    """The profile as profile fields ({"name", "value"} with an HTML value), for Mastodon."""
    if profile is None or profile.empty:
        return []
    values = [
        profile.headline, profile.position, profile.organization, profile.location,
        ", ".join(profile.skills), _listing([role_line(e) for e in profile.experience]),
        _listing([school_line(e) for e in profile.education]),
    ]
    return [{"name": name, "value": escape(value, quote=False)}
            for name, value in zip(FIELD_NAMES, values) if value]


# --------------------------------------------------------------------------- parsing

def plain(value, limit: int) -> str:
    """schema.org Text as one line of plain text: kept as written (it is escaped wherever it
    is shown), without control characters or runs of whitespace, cut at `limit`."""
    if not isinstance(value, str):
        return ""
    text = " ".join("".join(c for c in value if c.isprintable() or c.isspace()).split())
    return text[:limit].rstrip()


def _text(value, limit: int) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, dict))), "")
    if isinstance(value, dict):
        value = value.get("name")
    return plain(value, limit)


def _date(value) -> str:
    """A schema.org date as "YYYY" or "YYYY-MM" ("" if it is not one)."""
    if not isinstance(value, str):
        return ""
    m = re.match(r"^\s*(\d{4})(?:-(\d{2}))?", value)
    if not m:
        return ""
    if m.group(2) and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{m.group(2)}"
    return m.group(1)


def _year(value) -> int | None:
    m = _YEAR_RE.match(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(m.group(1)) if m else None


def _role_from(item) -> Experience | None:
    if isinstance(item, str):
        return Experience(role=plain(item, 200)) if item.strip() else None
    if not isinstance(item, dict):
        return None
    role = _text(item.get("roleName"), 200) or _text(item.get("name"), 200) \
        or _text(item.get("hasOccupation"), 200)
    if not role:
        return None
    description = item.get("description")
    description = description[:4000].strip() if isinstance(description, str) else ""
    return Experience(role=role, organization=_text(item.get("worksFor"), 200), start=_date(item.get("startDate")),
                      end=_date(item.get("endDate")), description=description)


def _school_from(item) -> Education | None:
    if isinstance(item, str):
        return Education(school=plain(item, 200)) if item.strip() else None
    if not isinstance(item, dict):
        return None
    school = _text(item.get("alumniOf"), 200) or _text(item.get("name"), 200)
    if not school:
        return None
    return Education(school=school, degree=_text(item.get("roleName"), 200),
                     start_year=_year(item.get("startDate")), end_year=_year(item.get("endDate")))


def parse(doc: dict, account_id: str) -> ProfessionalProfile | None:
    """The profile an actor document publishes with schema.org terms, or None without one.
    Values are reduced to plain text and capped; the service applies its own limits."""
    if not any(key in doc for key in PROPERTIES):
        return None
    skills = [_text(s, 100) for s in as_list(doc.get("knowsAbout"))[:100]]
    experience = [_role_from(i) for i in as_list(doc.get("hasOccupation"))[:50]]
    education = [_school_from(i) for i in as_list(doc.get("alumniOf"))[:50]]
    return ProfessionalProfile(
        account_id=account_id,
        headline=_text(doc.get("disambiguatingDescription"), 300),
        position=_text(doc.get("jobTitle"), 200),
        organization=_text(doc.get("worksFor"), 200),
        location=_text(doc.get("homeLocation"), 200),
        skills=[s for s in skills if s],
        experience=[e for e in experience if e],
        education=[e for e in education if e],
    )

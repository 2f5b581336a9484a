"""The professional profile editor (professional instances): headline, current position,
location, skills, work history and education, as plain form fields (no script needed:
existing entries plus blank rows to fill, and a Remove box on each)."""

from __future__ import annotations

import re

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import professional, profile
from fedi.services.errors import NotFound, ServiceError
from fedi.web import security
from fedi.web.render import page, redirect, render, require_viewer

BLANK_ROWS = 2
SIMPLE = ("headline", "position", "organization", "location")


def _values(prof) -> dict:
    return {**{k: getattr(prof, k) for k in SIMPLE}, "skills": "\n".join(prof.skills),
            "experience": [{"role": e.role, "organization": e.organization, "start": e.start, "end": e.end,
                            "description": e.description} for e in prof.experience],
            "education": [{"school": e.school, "degree": e.degree, "start_year": e.start_year or "",
                           "end_year": e.end_year or ""} for e in prof.education]}


def _rows(form, prefix: str, keys: tuple[str, ...], limit: int) -> list[dict]:
    """The posted entries (rows named prefix_key_N), without removed and empty ones."""
    try:
        count = min(int(str(form.get(f"{prefix}_rows") or 0)), limit + BLANK_ROWS)
    except ValueError:
        count = 0
    out = []
    for n in range(max(count, 0)):
        if form.get(f"{prefix}_remove_{n}"):
            continue
        row = {k: str(form.get(f"{prefix}_{k}_{n}") or "").strip() for k in keys}
        if any(row.values()):
            out.append(row)
    return out


def _readable(message: str) -> str:
    """"experience[1].start must be ..." -> "Experience, entry 2: start must be ..."."""
    def entry(m):
        return f"{m.group(1).capitalize()}, entry {int(m.group(2)) + 1}" + (f": {m.group(3)}" if m.group(3) else ":")
    text = re.sub(r"\b(experience|education|skills)\[(\d+)\](?:\.(\w+))?", entry, message)
    return (text[:1].upper() + text[1:]).replace("_", " ") + ("" if text.endswith(".") else ".")


def _posted(form) -> dict:
    values = {k: str(form.get(k) or "").strip() for k in SIMPLE}
    values["skills"] = str(form.get("skills") or "")
    values["experience"] = _rows(form, "exp", ("role", "organization", "start", "end", "description"),
                                 professional.MAX_EXPERIENCE)
    values["education"] = _rows(form, "edu", ("school", "degree", "start_year", "end_year"),
                                professional.MAX_EDUCATION)
    return values


async def _form(request: web.Request, values: dict, *, error: str = "", status: int = 200) -> web.Response:
    blank_exp = {"role": "", "organization": "", "start": "", "end": "", "description": ""}
    blank_edu = {"school": "", "degree": "", "start_year": "", "end_year": ""}
    return await render(request, "settings_professional.html", status=status, section="professional",
                        values=values, error=error,
                        experience=values["experience"] + [blank_exp] * BLANK_ROWS,
                        education=values["education"] + [blank_edu] * BLANK_ROWS)


def _professional_only(request: web.Request) -> None:
    if not request.app[STATE].config.professional:
        raise NotFound("Professional profiles are kept on professional instances.")


@page
async def professional_form(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    _professional_only(request)
    prof = await professional.profile_of(request.app[STATE], account)
    return await _form(request, _values(prof))


@page
async def save_professional(request: web.Request) -> web.Response:
    account = await require_viewer(request)
    _professional_only(request)
    form = await security.checked_form(request)
    values = _posted(form)
    state = request.app[STATE]
    current = _values(await professional.profile_of(state, account))
    parts = {k: values[k] for k in professional.PARTS if values[k] != current[k]}
    if not parts:
        return redirect(request, "/settings/professional", "Nothing to change.")
    try:
        await profile.update_profile(state, account, professional_parts=parts)
    except ServiceError as exc:
        return await _form(request, values, error=_readable(exc.message), status=exc.status)
    return redirect(request, "/settings/professional", "Professional profile saved.")


def setup(app: web.Application) -> None:
    app.router.add_get("/settings/professional", professional_form)
    app.router.add_post("/settings/professional", save_professional)

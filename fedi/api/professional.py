"""Professional profiles in the client API (a fedi extension, docs/client-api.md):
read anyone's structured profile, read and change one's own."""

from __future__ import annotations

from aiohttp import web

from fedi.api import entities
from fedi.api.http import authenticate, error, ok, params, route
from fedi.appkeys import STATE
from fedi.models import Account, ProfessionalProfile
from fedi.services import known_accounts, professional, profile, remote

CHANGEABLE = (*professional.PARTS, "links")


def render(acc: Account, prof: ProfessionalProfile) -> dict:
    """The ProfessionalProfile entity."""
    return {
        "account_id": acc.id,
        "headline": prof.headline,
        "position": prof.position,
        "organization": prof.organization,
        "location": prof.location,
        "skills": list(prof.skills),
        "experience": [{"role": e.role, "organization": e.organization, "start": e.start or None,
                        "end": e.end or None, "description": e.description} for e in prof.experience],
        "education": [{"school": e.school, "degree": e.degree, "start_year": e.start_year,
                       "end_year": e.end_year} for e in prof.education],
        "links": [{"name": link["name"], "url": link["url"],
                   "verified_at": entities.iso(link["verified_at"]) if link.get("verified_at") else None}
                  for link in professional.links(acc.fields)],
        "updated_at": entities.iso(prof.updated_at) if prof.updated_at else None,
    }


async def _show(request: web.Request, acc: Account) -> web.Response:
    return ok(render(acc, await professional.profile_of(request.app[STATE], acc)))


async def account_profile(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/professional_profile: anyone's, local or remote."""
    await authenticate(request, "read:accounts", required=False)
    state = request.app[STATE]
    acc = await known_accounts.unsuspended(state, request.match_info["id"])
    if acc is None:
        raise error(404, "Record not found")
    return await _show(request, await remote.refreshed(state, acc))


async def own_profile(request: web.Request) -> web.Response:
    auth = await authenticate(request, "read:accounts")
    return await _show(request, auth.user())


async def change_profile(request: web.Request) -> web.Response:
    """PATCH (or PUT) /api/v1/professional_profile: the parts given are replaced, the others kept."""
    auth = await authenticate(request, "write:accounts")
    state = request.app[STATE]
    p = await params(request)
    unknown = sorted(set(p) - set(CHANGEABLE) - {"access_token"})
    if unknown:
        raise error(422, f"Validation failed: unknown profile part(s) {', '.join(unknown)}; "
                         f"expected {', '.join(CHANGEABLE)}")
    parts = {k: p[k] for k in CHANGEABLE if k in p}
    acc = auth.user()
    if parts:
        acc, _ = await profile.update_profile(state, acc, professional_parts=parts)
    return await _show(request, acc)


def setup(app: web.Application) -> None:
    route(app, "GET", r"/api/v1/accounts/{id:\d+}/professional_profile", account_profile)
    route(app, "GET", "/api/v1/professional_profile", own_profile)
    route(app, "PATCH", "/api/v1/professional_profile", change_profile)
    route(app, "PUT", "/api/v1/professional_profile", change_profile)

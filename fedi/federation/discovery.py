"""WebFinger (RFC 7033), host-meta (XRD and JSON) and NodeInfo 2.0/2.1."""

from __future__ import annotations

import json
from urllib.parse import unquote
from xml.sax.saxutils import escape

from aiohttp import web

from fedi import SOFTWARE_NAME, __version__
from fedi.appkeys import STATE
from fedi.services import accounts, instance_settings, usage
from fedi.services.errors import NotFound
from fedi.urls import split_url

CORS = {"Access-Control-Allow-Origin": "*"}
JRD = "application/jrd+json"


def _jrd(doc: dict, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(doc), status=status, content_type=JRD, headers=CORS)


def _bad(status: int, message: str) -> web.Response:
    return web.Response(text=json.dumps({"error": message}), status=status,
                        content_type="application/json", headers=CORS)


async def webfinger(request: web.Request) -> web.Response:
    state = request.app[STATE]
    resource = request.query.get("resource", "").strip()
    if not resource:
        return _bad(400, "the resource parameter is required")
    username = None
    if resource.startswith("acct:") or ("@" in resource and "://" not in resource):
        handle = unquote(resource[5:] if resource.startswith("acct:") else resource).lstrip("@")
        user, sep, host = handle.rpartition("@")
        if not sep or not user or not host:
            return _bad(400, "malformed acct: resource")
        if host.lower() != state.urls.domain:
            return _bad(404, "not a local account")
        username = user
    elif resource.startswith(("http://", "https://")):
        parts = split_url(resource)
        if parts is None or not parts.netloc:
            return _bad(400, "malformed URL resource")
        if resource.rstrip("/") in (state.urls.instance_actor, state.urls.base):
            return _jrd(_instance_jrd(state))
        username = state.urls.username_of(resource)
        if username is None and parts.path.startswith("/@") and resource.startswith(state.urls.base + "/"):
            username = parts.path[2:].strip("/")
        if username is None:
            return _bad(404, "unknown resource")
    else:
        return _bad(400, "resource must be an acct: or http(s) URI")
    if username == state.urls.domain:
        return _jrd(_instance_jrd(state))
    try:
        account = await accounts.local_account(state, username)
    except NotFound:
        return _bad(404, "no such account")
    urls = state.urls
    return _jrd({
        "subject": f"acct:{account.username}@{urls.domain}",
        "aliases": [urls.actor(account.username), urls.profile(account.username)],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": urls.profile(account.username)},
            {"rel": "self", "type": "application/activity+json", "href": urls.actor(account.username)},
            # Remote interaction: where people from other servers are sent to follow or answer.
            {"rel": "http://ostatus.org/schema/1.0/subscribe",
             "template": f"{urls.base}/authorize_interaction?uri={{uri}}"},
        ],
    })


def _instance_jrd(state) -> dict:
    urls = state.urls
    return {
        "subject": f"acct:{urls.domain}@{urls.domain}",
        "aliases": [urls.instance_actor],
        "links": [{"rel": "self", "type": "application/activity+json", "href": urls.instance_actor}],
    }


async def host_meta(request: web.Request) -> web.Response:
    base = request.app[STATE].urls.base
    template = f"{base}/.well-known/webfinger?resource={{uri}}"
    if "json" in request.headers.get("Accept", "") or request.path.endswith(".json"):
        return web.json_response({"links": [{"rel": "lrdd", "template": template}]}, headers=CORS)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{escape(template, {chr(34): "&quot;"})}"/>\n'
        "</XRD>\n"
    )
    return web.Response(text=xml, content_type="application/xrd+xml", headers=CORS)


async def nodeinfo_index(request: web.Request) -> web.Response:
    base = request.app[STATE].urls.base
    return web.json_response({"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"{base}/nodeinfo/2.0"},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{base}/nodeinfo/2.1"},
    ]}, headers=CORS)


async def nodeinfo(request: web.Request) -> web.Response:
    state = request.app[STATE]
    version = request.match_info["version"]
    if version not in ("2.0", "2.1"):
        return _bad(404, "unknown NodeInfo version")
    figures = await usage.usage(state)
    software = {"name": SOFTWARE_NAME, "version": __version__}
    if version == "2.1":
        software["homepage"] = state.urls.base
    cfg = instance_settings.current(state)
    doc = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": cfg.registrations in ("open", "approval"),
        "usage": {
            "users": {
                "total": figures.users,
                "activeMonth": figures.active_month,
                "activeHalfyear": figures.active_halfyear,
            },
            "localPosts": figures.local_posts,
        },
        "metadata": {
            "nodeName": cfg.name,
            "nodeDescription": cfg.description,
            "kind": cfg.kind,
            "registrations": cfg.registrations,
            "upstream": {"name": "mastodon"},
            "federation": {"authorizedFetch": state.config.federation.authorized_fetch},
        },
    }
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    # Passed as bytes: aiohttp re-serializes a text response's Content-Type to add the
    # charset and drops the quotes the profile URL needs (":" and "/" are not token chars).
    return web.Response(body=json.dumps(doc).encode(), headers={
        **CORS, "Content-Type": f'application/json; profile="{profile}"; charset=utf-8'})


def setup(app: web.Application) -> None:
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/.well-known/host-meta", host_meta)
    app.router.add_get("/.well-known/host-meta.json", host_meta)
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_index)
    app.router.add_get("/nodeinfo/{version}", nodeinfo)

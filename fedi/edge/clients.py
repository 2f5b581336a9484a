"""What every face asks of a request about its client: its address (behind a reverse proxy
on this machine, the one the proxy names), and whether it asks for ActivityPub JSON."""

from __future__ import annotations

import ipaddress

from aiohttp import web

AP_MEDIA = ("application/activity+json", "application/ld+json")


def client_address(request: web.Request) -> str:
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For")
    try:
        behind_proxy = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        behind_proxy = False
    if forwarded and behind_proxy:  # a reverse proxy on this machine tells us the real client
        return forwarded.split(",")[-1].strip()
    return remote


def wants_activitypub(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return any(m in accept for m in AP_MEDIA)

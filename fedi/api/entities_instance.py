"""Mastodon client API JSON shapes of the instance: /api/v1/instance and /api/v2/instance.

Like `fedi.api.entities`, they follow docs.joinmastodon.org for the Mastodon
version this server claims (`MASTODON_VERSION`): the same keys, types and null-ness.
"""

from __future__ import annotations

from fedi import SOFTWARE_NAME, __version__
from fedi.services import instance_settings, push, usage
from fedi.services.pins import MAX_PINNED
from fedi.services.statuses import MAX_CHARS

MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; {SOFTWARE_NAME} {__version__})"
API_VERSIONS = {"mastodon": 2}

STATUS_LIMITS = {"max_characters": MAX_CHARS, "max_media_attachments": 4, "characters_reserved_per_url": 23}
MEDIA_LIMITS = {
    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
    "image_size_limit": 10485760,
    "image_matrix_limit": 16777216,
    "video_size_limit": 41943040,
    "video_frame_rate_limit": 60,
    "video_matrix_limit": 2304000,
}
POLL_LIMITS = {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300,
               "max_expiration": 2629746}
MAX_FEATURED_TAGS = 10


def rules(settings) -> list[dict]:
    """The instance's rules as Mastodon's Rule entities."""
    return [{"id": rule_id, "text": text, "hint": ""} for rule_id, text in settings.numbered_rules()]


def _streaming(state) -> str:
    scheme = "wss" if state.urls.base.startswith("https://") else "ws"
    return f"{scheme}://{state.urls.domain}"


def _registrations(state) -> tuple[bool, bool]:
    mode = instance_settings.current(state).registrations
    return mode in ("open", "approval"), mode == "approval"


def _limits() -> dict:
    """The statuses, media_attachments and polls parts of the configuration (fresh copies)."""
    media = {**MEDIA_LIMITS, "supported_mime_types": list(MEDIA_LIMITS["supported_mime_types"])}
    return {"statuses": dict(STATUS_LIMITS), "media_attachments": media, "polls": dict(POLL_LIMITS)}


async def instance_v1(state) -> dict:
    cfg = instance_settings.current(state)
    enabled, approval = _registrations(state)
    return {
        "uri": state.urls.domain,
        "title": cfg.name,
        "short_description": cfg.description,
        "description": cfg.description,
        "email": "",
        "version": VERSION,
        "urls": {"streaming_api": _streaming(state)},
        "stats": {
            "user_count": await usage.local_accounts(state),
            "status_count": await usage.local_posts(state),
            "domain_count": await usage.peer_domains(state),
        },
        "thumbnail": None,
        "languages": ["en"],
        "registrations": enabled,
        "approval_required": approval,
        "invites_enabled": cfg.registrations == "invite",
        "configuration": {
            "accounts": {"max_featured_tags": MAX_FEATURED_TAGS},
            **_limits(),
        },
        "contact_account": None,
        "rules": rules(cfg),
    }


async def instance_v2(state) -> dict:
    cfg = instance_settings.current(state)
    enabled, approval = _registrations(state)
    active = await usage.active_users(state, usage.MONTH_DAYS)
    return {
        "domain": state.urls.domain,
        "title": cfg.name,
        "version": VERSION,
        "source_url": state.urls.base,
        "description": cfg.description,
        "usage": {"users": {"active_month": active}},
        "thumbnail": {"url": f"{state.urls.base}/static/thumbnail.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": _streaming(state), "status": None},
            "vapid": {"public_key": push.vapid_public_key(state)},
            "accounts": {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINNED},
            **_limits(),
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": enabled, "approval_required": approval, "message": None, "url": None},
        "api_versions": dict(API_VERSIONS),
        "contact": {"email": "", "account": None},
        "rules": rules(cfg),
        "fedi": {"kind": cfg.kind},
    }

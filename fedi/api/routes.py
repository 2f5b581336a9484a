"""Registers every resource module of the Mastodon client API face."""

from __future__ import annotations

import importlib

from aiohttp import web

MODULES = (
    "fedi.api.instance",
    "fedi.api.oauth",
    "fedi.api.apps",
    "fedi.api.accounts",
    "fedi.api.professional",
    "fedi.api.linked_accounts",
    "fedi.api.streaming",
    "fedi.api.statuses",
    "fedi.api.timelines",
    "fedi.api.notifications",
    "fedi.api.notifications_v2",
    "fedi.api.search",
    "fedi.api.personal",
    "fedi.api.domain_blocks",
    "fedi.api.scheduled",
    "fedi.api.media",
    "fedi.api.filters",
    "fedi.api.conversations",
    "fedi.api.polls",
    "fedi.api.push",
    "fedi.api.tags",
    "fedi.api.discovery",
    "fedi.api.reports",
)


def setup(app: web.Application) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name and exc.name.startswith("fedi.api"):
                continue  # a resource not built yet
            raise
        module.setup(app)

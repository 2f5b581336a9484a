"""Registers every module of the web face, and the static files."""

from __future__ import annotations

import importlib
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "static"
MODULES = (
    "fedi.web.auth",
    "fedi.web.oauth_consent",
    "fedi.web.signup",
    "fedi.web.social",
    "fedi.web.accounts",
    "fedi.web.settings",
    "fedi.web.settings_professional",
    "fedi.web.settings_links",
    "fedi.web.pages",
    "fedi.web.profiles",
    "fedi.web.timelines",
    "fedi.web.compose",
    "fedi.web.interactions",
    "fedi.web.report",
    "fedi.web.admin",
    "fedi.web.admin_accounts",
    "fedi.web.admin_federation",
    "fedi.web.admin_reports",
)


def setup(app: web.Application) -> None:
    app.router.add_static("/static", STATIC_DIR, follow_symlinks=False, append_version=False)
    for name in MODULES:
        importlib.import_module(name).setup(app)

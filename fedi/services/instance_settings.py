"""Instance settings that admins change at run time: the name, description, rules and
registration mode, how new accounts start out, and the federation policy (allowlist mode, and the domains admins
blocked or allowed on top of the configuration's lists).

What an admin set is stored in the database and overrides the configuration's value; what
they never set follows the configuration. A copy is kept in memory on `state` (loaded at
start-up and again after every change), so every reader — pages, the client API, NodeInfo,
sign-up, and `State.domain_blocked` for every peer request — reads it without a query.
"""

from __future__ import annotations

import json
import uuid

from fedi.config import BY_KIND, DEFAULT_VISIBILITIES, REGISTRATION_MODES, YES_NO, Config
from fedi.models import InstanceSettings
from fedi.services.errors import ServiceError
from fedi.services.state import DomainPolicy, State

KEYS = {  # setting -> key in the settings table
    "name": "instance.name",
    "description": "instance.description",
    "rules": "instance.rules",
    "registrations": "instance.registrations",
    "allowlist_mode": "federation.allowlist_mode",
    "approve_followers": "accounts.approve_followers",
    "default_visibility": "accounts.default_visibility",
    "discoverable": "accounts.discoverable",
}
ACCOUNT_DEFAULTS = ("approve_followers", "default_visibility", "discoverable")
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_RULES = 20
MAX_RULE = 300


def defaults(config: Config) -> InstanceSettings:
    """The settings as the configuration gives them."""
    cfg = config.instance
    acc = config.accounts
    return InstanceSettings(name=cfg.name, description=cfg.description, rules=(),
                            registrations=cfg.registrations, allowlist_mode=config.federation.allowlist_mode,
                            kind=cfg.kind, base_url=config.base_url, approve_followers=acc.approve_followers,
                            default_visibility=acc.default_visibility, discoverable=acc.discoverable)


def current(state: State) -> InstanceSettings:
    """The settings in force (the configuration's until `load` has run)."""
    cached = state.instance_settings
    return cached if cached is not None else defaults(state.config)


async def overrides(state: State) -> dict:
    """What admins set, by setting name (settings they never changed are absent)."""
    out = {}
    for name, key in KEYS.items():
        raw = await state.store.settings.get(key)
        if raw is not None:
            out[name] = json.loads(raw)
    return out


SETTINGS_STREAM = "instance"  # the events stream on which changed settings are announced
_PROCESS = uuid.uuid4().hex[:12]


def _origin(state: State) -> str:
    """Who announced a change: this process and state (identical processes may well give
    their states the same id())."""
    return f"{_PROCESS}:{id(state)}"
SETTINGS_CHANGED = "settings.changed"


async def changed_settings(state: State) -> InstanceSettings:
    """After a change of the stored settings or domain lists: load them here, and tell the
    other processes (through the events interface) to load them too."""
    settings = await load(state)
    state.events.publish(SETTINGS_STREAM, SETTINGS_CHANGED, {"origin": _origin(state)})
    return settings


async def follow_changes(state: State) -> None:
    """Load the settings again whenever another process announces a change; runs until
    cancelled (one per process, started with the application)."""
    sub = state.events.subscribe([SETTINGS_STREAM], internal=True)
    try:
        while True:
            item = await sub.queue.get()
            if item is None:  # the bus closed the subscription (too slow): listen again
                state.events.unsubscribe(sub)
                sub = state.events.subscribe([SETTINGS_STREAM], internal=True)
                await load(state)
                continue
            _, event, payload = item
            if event == SETTINGS_CHANGED and payload.get("origin") != _origin(state):
                await load(state)
    finally:
        state.events.unsubscribe(sub)


async def load(state: State) -> InstanceSettings:
    """Read the stored settings and domain lists into the in-memory copy on `state`."""
    stored = await overrides(state)
    base = defaults(state.config)
    settings = InstanceSettings(
        name=stored.get("name", base.name), description=stored.get("description", base.description),
        rules=tuple(stored.get("rules", base.rules)),
        registrations=stored.get("registrations", base.registrations),
        allowlist_mode=bool(stored.get("allowlist_mode", base.allowlist_mode)),
        kind=base.kind, base_url=base.base_url,
        **{k: stored.get(k, getattr(base, k)) for k in ACCOUNT_DEFAULTS},
    )
    fed = state.config.federation
    blocked = {b["domain"] for b in await state.store.moderation.domain_blocks()}
    allowed = {a["domain"] for a in await state.store.moderation.allowed_domains()}
    state.domain_policy = DomainPolicy(frozenset(fed.blocked_domains) | blocked, settings.allowlist_mode,
                                       frozenset(fed.allowed_domains) | allowed)
    state.instance_settings = settings
    return settings


def _text(value, limit: int, what: str, *, required: bool = False, one_line: bool = True) -> str:
    text = " ".join(str(value or "").split()) if one_line else str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ServiceError(f"The {what} cannot be empty.")
    if len(text) > limit:
        raise ServiceError(f"The {what} can be at most {limit} characters long.")
    return text


def _rules(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    rules = [" ".join(str(r).split()) for r in value or []]
    rules = [r for r in rules if r]
    if len(rules) > MAX_RULES:
        raise ServiceError(f"An instance can have at most {MAX_RULES} rules.")
    for rule in rules:
        if len(rule) > MAX_RULE:
            raise ServiceError(f"Each rule can be at most {MAX_RULE} characters long.")
    return rules


def _checked(changes: dict) -> dict:
    out = {}
    for name, value in changes.items():
        if name == "name":
            out[name] = _text(value, MAX_NAME, "name", required=True)
        elif name == "description":
            out[name] = _text(value, MAX_DESCRIPTION, "description", one_line=False)
        elif name == "rules":
            out[name] = _rules(value)
        elif name == "registrations":
            if value not in REGISTRATION_MODES:
                raise ServiceError(f"The registration mode must be one of {', '.join(REGISTRATION_MODES)}.")
            out[name] = value
        elif name == "allowlist_mode":
            out[name] = bool(value)
        elif name in ("approve_followers", "discoverable"):
            if value not in (BY_KIND, *YES_NO):
                raise ServiceError(f"{name.replace('_', ' ').capitalize()} must be kind, yes or no.")
            out[name] = value
        elif name == "default_visibility":
            if value not in (BY_KIND, *DEFAULT_VISIBILITIES):
                raise ServiceError(f"The default visibility must be kind or one of {', '.join(DEFAULT_VISIBILITIES)}.")
            out[name] = value
        else:
            raise ServiceError(f"unknown instance setting {name!r}")
    return out


async def update(state: State, **changes) -> InstanceSettings:
    """Change some settings (name, description, rules — a list, or text with one rule per
    line —, registrations, allowlist_mode, and the defaults of new accounts). Values equal to
    those in force are not stored, so settings an admin never changed keep following the
    configuration."""
    checked = _checked(changes)
    now = current(state)
    changed = {k: v for k, v in checked.items()
               if (list(getattr(now, k)) if k == "rules" else getattr(now, k)) != v}

    async def write(tx):
        for name, value in changed.items():
            await tx.settings.set(KEYS[name], json.dumps(value))

    if changed:
        await state.store.atomic(write)
        return await changed_settings(state)
    return await load(state)

"""TOML configuration -> frozen dataclasses.

Every key is declared here once, with its type and default; `config.example.toml`
documents each of them (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

KINDS = ("personal", "professional")
REGISTRATION_MODES = ("open", "approval", "invite", "closed")
# Default post visibilities an instance may give new accounts.
DEFAULT_VISIBILITIES = ("public", "unlisted", "private", "local")
BY_KIND = "kind"  # an [accounts] default that follows the instance kind
YES_NO = ("yes", "no")
AUTHORITY = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?")


class ConfigError(Exception):
    """A configuration problem, phrased as one line for the operator."""


@dataclass(frozen=True)
class InstanceConfig:
    base_url: str = "http://localhost:8301"
    name: str = "fedi"
    description: str = ""
    kind: str = "personal"
    registrations: str = "open"
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8301
    tls_cert: str = ""
    tls_key: str = ""
    header_timeout: float = 30.0
    body_timeout: float = 60.0
    body_min_rate: int = 65536


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "data/fedi.sqlite3"  # SQLite (the default)
    url: str = ""  # postgresql://user:password@host:5432/name selects PostgreSQL instead
    pool_size: int = 10  # PostgreSQL connections per process


@dataclass(frozen=True)
class FederationConfig:
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    blocked_domains: list[str] = field(default_factory=list)
    allowlist_mode: bool = False
    allowed_domains: list[str] = field(default_factory=list)
    user_agent_contact: str = ""


@dataclass(frozen=True)
class DeliveryConfig:
    workers: int = 512
    per_host: int = 4
    timeout: float = 10.0
    max_attempts: int = 17
    unavailable_after_days: float = 7.0


@dataclass(frozen=True)
class AccountsConfig:
    """How new accounts start out ("kind": as the instance kind has it)."""

    approve_followers: str = BY_KIND
    default_visibility: str = BY_KIND
    discoverable: str = BY_KIND


@dataclass(frozen=True)
class MediaConfig:
    dir: str = "data/media"


SECTIONS: dict[str, type] = {
    "instance": InstanceConfig,
    "server": ServerConfig,
    "database": DatabaseConfig,
    "federation": FederationConfig,
    "delivery": DeliveryConfig,
    "accounts": AccountsConfig,
    "media": MediaConfig,
}


@dataclass(frozen=True)
class Config:
    instance: InstanceConfig = field(default_factory=InstanceConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    federation: FederationConfig = field(default_factory=FederationConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    accounts: AccountsConfig = field(default_factory=AccountsConfig)
    media: MediaConfig = field(default_factory=MediaConfig)
    source: str = ""  # path the config was read from ("" when built in code)

    # Derived identity ---------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.instance.base_url.rstrip("/")

    @property
    def domain(self) -> str:
        """host[:port] as used in acct: URIs and actor ids."""
        return urlsplit(self.base_url).netloc.lower()

    @property
    def professional(self) -> bool:
        return self.instance.kind == "professional"

    def resolve_path(self, value: str) -> Path:
        """Paths in the file are relative to the file's own directory."""
        path = Path(value).expanduser()
        if path.is_absolute() or not self.source:
            return path
        return Path(self.source).resolve().parent / path

    @property
    def database_target(self) -> str:
        """What fedi.storage opens: the PostgreSQL URL, or the SQLite file's path."""
        return self.database.url or str(self.resolve_path(self.database.path))


def _check_type(section: str, key: str, value, default, annotation: str):
    where = f"[{section}] {key}"
    if annotation.startswith("list"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of strings")
        return [v.strip().lower() for v in value]
    if annotation == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
        return value
    if annotation == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, not {value!r}")
        return value
    if annotation == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def _build_section(name: str, cls: type, raw) -> object:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"unknown key [{name}] {key}")
        f = fields[key]
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        values[key] = _check_type(name, key, value, default, str(f.type))
    return cls(**values)


def _validate(cfg: Config) -> None:
    try:
        parts = urlsplit(cfg.instance.base_url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number up to 65535
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"[instance] base_url must be an http(s) URL such as http://localhost:8301, "
            f"not {cfg.instance.base_url!r}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError("[instance] base_url must not have a path, query or fragment")
    for alias in cfg.instance.aliases:
        if not AUTHORITY.fullmatch(alias):
            raise ConfigError(f"[instance] aliases: {alias!r} is not a host name (with an optional :port)")
    if cfg.instance.kind not in KINDS:
        raise ConfigError(f"[instance] kind must be one of {', '.join(KINDS)}")
    if cfg.instance.registrations not in REGISTRATION_MODES:
        raise ConfigError(
            f"[instance] registrations must be one of {', '.join(REGISTRATION_MODES)}"
        )
    if not 0 <= cfg.server.port <= 65535:
        raise ConfigError("[server] port must be between 0 and 65535")
    for key in ("header_timeout", "body_timeout", "body_min_rate"):
        if not getattr(cfg.server, key) > 0:
            raise ConfigError(f"[server] {key} must be greater than 0")
    if bool(cfg.server.tls_cert) != bool(cfg.server.tls_key):
        raise ConfigError("[server] tls_cert and tls_key must be given together")
    for key in ("approve_followers", "discoverable"):
        if getattr(cfg.accounts, key) not in (BY_KIND, *YES_NO):
            raise ConfigError(f'[accounts] {key} must be "kind", "yes" or "no"')
    if cfg.accounts.default_visibility not in (BY_KIND, *DEFAULT_VISIBILITIES):
        raise ConfigError(f'[accounts] default_visibility must be "kind" or one of {", ".join(DEFAULT_VISIBILITIES)}')
    if cfg.delivery.workers < 1 or cfg.delivery.per_host < 1:
        raise ConfigError("[delivery] workers and per_host must be at least 1")
    if cfg.database.url and not cfg.database.url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("[database] url must be a postgresql://user:password@host:port/name URL")
    if cfg.database.pool_size < 1:
        raise ConfigError("[database] pool_size must be at least 1")


def from_dict(data: dict, source: str = "") -> Config:
    sections = {}
    for name, raw in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"unknown section [{name}]")
        sections[name] = _build_section(name, SECTIONS[name], raw)
    database = data.get("database")
    if isinstance(database, dict) and database.get("url") and "path" in database:
        raise ConfigError("[database] give path (SQLite) or url (PostgreSQL), not both")
    cfg = Config(**sections, source=source)
    _validate(cfg)
    return cfg


def load(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (create one with `fedi init`)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return from_dict(data, source=str(path))


def starter_toml(base_url: str, kind: str, name: str, port: int, db_path: str) -> str:
    """A minimal config written by `fedi init`."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    return (
        "# fedi configuration. Every key and its default: see config.example.toml.\n"
        "[instance]\n"
        f"base_url = {q(base_url)}\n"
        f"name = {q(name)}\n"
        f"kind = {q(kind)}\n"
        'registrations = "open"\n\n'
        "[server]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n\n"
        "[database]\n"
        f"path = {q(db_path)}\n\n"
        "[federation]\n"
        "allow_private_addresses = false\n"
    )

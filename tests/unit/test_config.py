"""Configuration: the documented example stays in step with the code, and bad files
fail with one line that names the offending key."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from fedi import config as config_mod
from fedi.config import SECTIONS, Config, ConfigError, from_dict, load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def _defaults(cls: type) -> dict:
    out = {}
    for f in dataclasses.fields(cls):
        out[f.name] = f.default if f.default is not dataclasses.MISSING else f.default_factory()
    return out


@pytest.fixture(scope="module")
def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


# The example documents every key, with its real default ------------------------------


def test_example_has_exactly_the_code_sections(example):
    assert set(example) == set(SECTIONS)


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_key_in_code_is_documented_with_its_default(example, section):
    documented = example.get(section, {})
    for key, default in _defaults(SECTIONS[section]).items():
        assert key in documented, f"[{section}] {key} is read by the code but missing from config.example.toml"
        value = documented[key]
        assert type(value) is type(default), (
            f"[{section}] {key}: example has {value!r} ({type(value).__name__}), "
            f"code default is {default!r} ({type(default).__name__})"
        )
        assert value == default, f"[{section}] {key}: example says {value!r}, code default is {default!r}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_no_stale_keys_in_example(example, section):
    fields = {f.name for f in dataclasses.fields(SECTIONS[section])}
    stale = set(example.get(section, {})) - fields
    assert not stale, f"config.example.toml documents keys the code does not have: [{section}] {sorted(stale)}"


def test_every_key_in_example_has_a_comment():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+\s*=", line):
            assert i > 0 and lines[i - 1].lstrip().startswith("#"), f"no comment above: {line}"


def test_example_is_a_valid_config_equal_to_the_defaults():
    cfg = load(EXAMPLE)
    assert dataclasses.replace(cfg, source="") == Config()


def test_keys_read_by_the_code_are_declared():
    """`config.<section>.<key>` anywhere in fedi/ must be a declared (hence documented) key."""
    pattern = re.compile(r"\b(?:config|cfg)\.(" + "|".join(SECTIONS) + r")\.([A-Za-z_]\w*)")
    found = set()
    for path in (ROOT / "fedi").rglob("*.py"):
        for section, key in pattern.findall(path.read_text(encoding="utf-8")):
            found.add((section, key))
            fields = {f.name for f in dataclasses.fields(SECTIONS[section])}
            assert key in fields, f"{path.relative_to(ROOT)} reads [{section}] {key}, which is not declared"
    assert found, "the scan found no configuration reads at all"


# Loading errors: one line, naming the key ---------------------------------------------


def _error(data: dict) -> str:
    with pytest.raises(ConfigError) as info:
        from_dict(data)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_section():
    assert "[bogus]" in _error({"bogus": {"x": 1}})


def test_section_must_be_a_table():
    assert "[instance]" in _error({"instance": "personal"})


def test_unknown_key():
    message = _error({"server": {"prot": 8301}})
    assert "unknown key" in message and "[server] prot" in message


@pytest.mark.parametrize("section, key, value, expected", [
    ("server", "port", "8301", "[server] port must be an integer"),
    ("server", "port", True, "[server] port must be an integer"),
    ("delivery", "workers", 1.5, "[delivery] workers must be an integer"),
    ("delivery", "timeout", "10", "[delivery] timeout must be a number"),
    ("delivery", "timeout", False, "[delivery] timeout must be a number"),
    ("federation", "authorized_fetch", 1, "[federation] authorized_fetch must be true or false"),
    ("federation", "allow_private_addresses", "yes",
     "[federation] allow_private_addresses must be true or false"),
    ("federation", "blocked_domains", "spam.example", "[federation] blocked_domains must be a list of strings"),
    ("federation", "allowed_domains", ["ok.example", 3], "[federation] allowed_domains must be a list of strings"),
    ("instance", "name", 42, "[instance] name must be a string"),
    ("database", "path", ["a"], "[database] path must be a string"),
])
def test_wrong_types(section, key, value, expected):
    assert expected in _error({section: {key: value}})


def test_int_is_accepted_for_a_float_key():
    cfg = from_dict({"delivery": {"timeout": 5, "unavailable_after_days": 2}})
    assert cfg.delivery.timeout == 5.0 and isinstance(cfg.delivery.timeout, float)
    assert isinstance(cfg.delivery.unavailable_after_days, float)


def test_domain_lists_are_normalised():
    cfg = from_dict({"federation": {"blocked_domains": [" Spam.Example "], "allowed_domains": ["OK.example"]}})
    assert cfg.federation.blocked_domains == ["spam.example"]
    assert cfg.federation.allowed_domains == ["ok.example"]


@pytest.mark.parametrize("base_url", [
    "localhost:8301", "ftp://example.com", "http://", "example.com", "http://example.com/fedi",
    "https://example.com/?x=1", "https://example.com/#top",
])
def test_bad_base_url(base_url):
    assert "[instance] base_url" in _error({"instance": {"base_url": base_url}})


def test_bad_kind():
    message = _error({"instance": {"kind": "corporate"}})
    assert "[instance] kind" in message and "personal" in message and "professional" in message


def test_bad_registrations():
    message = _error({"instance": {"registrations": "sometimes"}})
    assert "[instance] registrations" in message and "closed" in message


@pytest.mark.parametrize("server", [{"tls_cert": "cert.pem"}, {"tls_key": "key.pem"}])
def test_tls_cert_and_key_go_together(server):
    message = _error({"server": server})
    assert "tls_cert" in message and "tls_key" in message


def test_port_range():
    assert "[server] port" in _error({"server": {"port": 70000}})


@pytest.mark.parametrize("key", ["workers", "per_host"])
def test_delivery_concurrency_at_least_one(key):
    assert key in _error({"delivery": {key: 0}})


def test_load_reports_unknown_key_with_the_file(tmp_path):
    path = tmp_path / "fedi.toml"
    path.write_text("[federation]\nauthorised_fetch = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key \[federation\] authorised_fetch"):
        load(path)


def test_load_invalid_toml_is_one_line(tmp_path):
    path = tmp_path / "fedi.toml"
    path.write_text("[server]\nport 8301\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert "invalid TOML" in str(info.value) and "\n" not in str(info.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "missing.toml")


# Derived values ------------------------------------------------------------------------


@pytest.mark.parametrize("base_url, domain, base", [
    ("http://localhost:8301", "localhost:8301", "http://localhost:8301"),
    ("http://LocalHost:8302/", "localhost:8302", "http://LocalHost:8302"),
    ("https://social.example", "social.example", "https://social.example"),
])
def test_domain_includes_the_port(base_url, domain, base):
    cfg = from_dict({"instance": {"base_url": base_url}})
    assert cfg.domain == domain
    assert cfg.base_url == base


def test_kind_sets_professional():
    assert from_dict({"instance": {"kind": "professional"}}).professional
    assert not from_dict({}).professional


def test_relative_paths_resolve_against_the_config_directory(tmp_path, monkeypatch):
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "fedi.toml").write_text('[database]\npath = "db/fedi.sqlite3"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load(Path("..") / "etc" / "fedi.toml")
    assert cfg.resolve_path(cfg.database.path) == conf_dir.resolve() / "db" / "fedi.sqlite3"
    assert cfg.resolve_path(cfg.media.dir) == conf_dir.resolve() / "data" / "media"


def test_absolute_paths_are_kept(tmp_path):
    path = tmp_path / "fedi.toml"
    target = tmp_path / "other" / "x.sqlite3"
    path.write_text(f'[database]\npath = "{target.as_posix()}"\n', encoding="utf-8")
    cfg = load(path)
    assert cfg.resolve_path(cfg.database.path) == target


def test_paths_without_a_file_stay_relative():
    cfg = from_dict({})
    assert cfg.resolve_path(cfg.database.path) == Path("data/fedi.sqlite3")


def test_starter_config_is_valid():
    text = config_mod.starter_toml("http://localhost:8302", "professional", "work", 8302, "data/x.sqlite3")
    cfg = from_dict(tomllib.loads(text))
    assert cfg.domain == "localhost:8302" and cfg.professional and cfg.server.port == 8302


# [database]: SQLite by path, or PostgreSQL by url ---------------------------------------


def test_database_url_selects_postgresql_and_path_stays_the_default():
    base = {"instance": {"base_url": "https://a.test"}}
    assert from_dict(base).database_target.endswith("data/fedi.sqlite3")
    url = "postgresql://fedi:secret@db.internal:5432/fedi"
    cfg = from_dict({**base, "database": {"url": url, "pool_size": 4}})
    assert cfg.database_target == url and cfg.database.pool_size == 4


@pytest.mark.parametrize("database, message", [
    ({"url": "postgresql://db/fedi", "path": "x.sqlite3"}, "[database] give path (SQLite) or url (PostgreSQL), not both"),
    ({"url": "mysql://db/fedi"}, "[database] url must be a postgresql://"),
    ({"url": "postgresql://db/fedi", "pool_size": 0}, "[database] pool_size must be at least 1"),
])
def test_database_section_errors_name_the_key(database, message):
    with pytest.raises(ConfigError) as err:
        from_dict({"instance": {"base_url": "https://a.test"}, "database": database})
    assert str(err.value).startswith(message)

"""The real command line, run as a subprocess in a scratch directory.

Every failure must be one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from fedi.config import load
from fedi.services.accounts import check_password, hash_token

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def run(cwd: Path, *args: str, input: str | None = None, env: dict | None = None,
        ok: bool | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "FEDI_CONFIG"}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "fedi", *args], cwd=cwd, env=full_env, text=True, capture_output=True,
        input=input, stdin=None if input is not None else subprocess.DEVNULL, timeout=TIMEOUT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok is True:
        assert proc.returncode == 0, proc.stderr
    elif ok is False:
        assert proc.returncode != 0, proc.stdout
        assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, repr(proc.stderr)
        assert proc.stderr.startswith("fedi: ")
    return proc


def fails(cwd: Path, *args: str, **kw) -> str:
    """Run a command that must fail; return its one line of stderr."""
    return run(cwd, *args, ok=False, **kw).stderr.strip()


@pytest.fixture
def instance(tmp_path) -> Path:
    """A directory with an initialised instance (fedi.toml + database)."""
    run(tmp_path, "init", ok=True)
    return tmp_path


def _db(directory: Path, config: str = "fedi.toml") -> Path:
    cfg = load(directory / config)
    return cfg.resolve_path(cfg.database.path)


# init -------------------------------------------------------------------------------


def test_init_writes_config_and_creates_database(tmp_path):
    proc = run(tmp_path, "init", ok=True)
    config_file = tmp_path / "fedi.toml"
    assert config_file.exists()
    assert f"wrote {config_file.name}" in proc.stdout
    cfg = load(config_file)
    assert cfg.base_url == "http://localhost:8301" and cfg.domain == "localhost:8301"
    assert cfg.server.port == 8301 and cfg.instance.kind == "personal"
    db = _db(tmp_path)
    assert db.exists() and db.parent.parent == tmp_path.resolve()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"accounts", "users", "tokens", "jobs"} <= tables


def test_init_twice_needs_force(instance):
    before = (instance / "fedi.toml").read_text()
    message = fails(instance, "init", "--base-url", "http://localhost:9999")
    assert "already exists" in message and "--force" in message
    assert (instance / "fedi.toml").read_text() == before
    run(instance, "init", "--force", "--base-url", "http://localhost:8302", ok=True)
    assert load(instance / "fedi.toml").domain == "localhost:8302"


def test_init_professional_on_another_port(tmp_path):
    run(tmp_path, "init", "--base-url", "http://localhost:8302", "--kind", "professional",
        "--name", "work", ok=True)
    cfg = load(tmp_path / "fedi.toml")
    assert cfg.professional and cfg.server.port == 8302 and cfg.instance.name == "work"


def test_init_rejects_a_bad_base_url(tmp_path):
    message = fails(tmp_path, "init", "--base-url", "localhost:8301")
    assert "base_url" in message
    assert not (tmp_path / "fedi.toml").exists()


# accounts -------------------------------------------------------------------------------


def test_account_create_and_list(instance):
    proc = run(instance, "account", "create", "alice", "--email", "alice@example.com",
               "--password", "correct horse", ok=True)
    assert "@alice@localhost:8301" in proc.stdout
    assert "http://localhost:8301/users/alice" in proc.stdout
    run(instance, "account", "create", "root2", "--email", "r@example.com", "--password", "correct horse",
        "--admin", ok=True)
    listing = run(instance, "account", "list", ok=True).stdout.splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in listing}
    assert rows["alice"][1:3] == ["alice@example.com", "http://localhost:8301/users/alice"]
    assert "admin" in rows["root2"][3]


def test_accounts_made_on_the_command_line_start_as_configured(tmp_path):
    """New accounts follow the instance kind, the [accounts] section, and what an admin set
    at run time (stored in the database), in that order of precedence."""
    import sqlite3

    run(tmp_path, "init", "--kind", "professional", ok=True)
    with open(tmp_path / "fedi.toml", "a", encoding="utf-8") as f:
        f.write('\n[accounts]\ndefault_visibility = "public"\n')
    run(tmp_path, "account", "create", "first", "--email", "f@example.com", "--password", "password123", ok=True)
    with sqlite3.connect(_db(tmp_path)) as db:
        db.execute("INSERT INTO settings (key, value) VALUES ('accounts.approve_followers', '\"no\"')")
    run(tmp_path, "account", "create", "second", "--email", "s@example.com", "--password", "password123", ok=True)
    with sqlite3.connect(_db(tmp_path)) as db:
        rows = dict(((name, (locked, visibility)) for name, locked, visibility in db.execute(
            "SELECT a.username, a.locked, u.default_visibility FROM accounts a JOIN users u ON u.account_id = a.id")))
    assert rows == {"first": (1, "public"), "second": (0, "public")}


def test_duplicate_username_is_one_line(instance):
    run(instance, "account", "create", "alice", "--email", "a@example.com", "--password", "password123", ok=True)
    message = fails(instance, "account", "create", "alice", "--email", "b@example.com",
                    "--password", "password123")
    assert "alice" in message and "taken" in message


def test_duplicate_email_is_one_line(instance):
    run(instance, "account", "create", "alice", "--email", "a@example.com", "--password", "password123", ok=True)
    message = fails(instance, "account", "create", "bob", "--email", "a@example.com", "--password", "password123")
    assert "a@example.com" in message


@pytest.mark.parametrize("args, words", [
    (["bad name", "--email", "x@example.com", "--password", "password123"], "username"),
    (["admin", "--email", "x@example.com", "--password", "password123"], "reserved"),
    (["carol", "--email", "not-an-email", "--password", "password123"], "e-mail"),
    (["carol", "--email", "c@example.com", "--password", "short"], "8 characters"),
])
def test_invalid_account_is_one_line(instance, args, words):
    assert words in fails(instance, "account", "create", *args)


def test_password_is_read_from_stdin_when_not_given(instance):
    run(instance, "account", "create", "alice", "--email", "alice@example.com",
        input="from stdin 123\n", ok=True)
    with sqlite3.connect(_db(instance)) as conn:
        (stored,) = conn.execute(
            "SELECT password_hash FROM users JOIN accounts ON accounts.id = users.account_id "
            "WHERE accounts.username = 'alice'"
        ).fetchone()
    assert check_password("from stdin 123", stored)
    assert not check_password("from stdin 123\n", stored)


def test_empty_stdin_password_is_refused(instance):
    message = fails(instance, "account", "create", "alice", "--email", "alice@example.com")
    assert "password" in message


# tokens ---------------------------------------------------------------------------------


def test_token_create_prints_a_working_token(instance):
    run(instance, "account", "create", "alice", "--email", "a@example.com", "--password", "password123", ok=True)
    out = run(instance, "token", "create", "alice", ok=True).stdout
    assert out.count("\n") == 1
    token = out.strip()
    assert len(token) >= 32 and " " not in token
    with sqlite3.connect(_db(instance)) as conn:
        row = conn.execute("SELECT scopes FROM tokens WHERE token_hash = ?", (hash_token(token),)).fetchone()
    assert row == ("read write follow push",)


def test_token_scopes(instance):
    run(instance, "account", "create", "alice", "--email", "a@example.com", "--password", "password123", ok=True)
    token = run(instance, "token", "create", "alice", "--scopes", "read", ok=True).stdout.strip()
    with sqlite3.connect(_db(instance)) as conn:
        row = conn.execute("SELECT scopes FROM tokens WHERE token_hash = ?", (hash_token(token),)).fetchone()
    assert row == ("read",)


def test_token_for_unknown_user_is_one_line(instance):
    message = fails(instance, "token", "create", "nobody")
    assert "nobody" in message


# configuration problems -------------------------------------------------------------------


@pytest.mark.parametrize("command", [["migrate"], ["account", "list"], ["token", "create", "alice"], ["serve"]])
def test_missing_config_file(tmp_path, command):
    message = fails(tmp_path, "--config", "missing.toml", *command)
    assert "missing.toml" in message and "not found" in message


def test_default_config_file_missing(tmp_path):
    message = fails(tmp_path, "account", "list")
    assert "fedi.toml" in message and "fedi init" in message


@pytest.mark.parametrize("text, words", [
    ("[federation]\nauthorised_fetch = true\n", ["[federation] authorised_fetch", "unknown key"]),
    ("[server]\nport = \"8301\"\n", ["[server] port", "integer"]),
    ("[federation]\nallow_private_addresses = 1\n", ["[federation] allow_private_addresses"]),
    ("[federation]\nblocked_domains = \"spam.example\"\n", ["[federation] blocked_domains", "list"]),
    ("[instance]\nkind = \"corporate\"\n", ["[instance] kind"]),
    ("[bogus]\nx = 1\n", ["[bogus]"]),
    ("[server]\nport 8301\n", ["invalid TOML"]),
])
@pytest.mark.parametrize("command", [["migrate"], ["account", "list"], ["serve"]])
def test_bad_config_is_one_line_naming_the_key(tmp_path, text, words, command):
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    message = fails(tmp_path, "-c", "bad.toml", *command)
    for word in words:
        assert word in message


def test_unreadable_tls_files_are_one_line(instance):
    text = (instance / "fedi.toml").read_text().replace(
        "[server]\n", '[server]\ntls_cert = "nope.pem"\ntls_key = "nope.key"\n')
    (instance / "fedi.toml").write_text(text)
    assert "TLS" in fails(instance, "serve")


# migrate ----------------------------------------------------------------------------------


def test_migrate_is_idempotent(tmp_path):
    (tmp_path / "fedi.toml").write_text('[database]\npath = "db/fedi.sqlite3"\n', encoding="utf-8")
    first = run(tmp_path, "migrate", ok=True).stdout
    assert first.startswith("applied: ")
    assert (tmp_path / "db" / "fedi.sqlite3").exists()
    second = run(tmp_path, "migrate", ok=True).stdout
    assert second.strip() == "database is up to date"


def test_migrate_after_init_has_nothing_to_do(instance):
    assert run(instance, "migrate", ok=True).stdout.strip() == "database is up to date"


def test_a_database_upgraded_by_a_newer_fedi_is_refused_in_one_line(instance):
    """An older fedi would write rows without what the newer schema expects of them."""
    conn = sqlite3.connect(_db(instance))
    with conn:
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_later.sql', 0)")
    conn.close()
    for command in (("migrate",), ("serve",), ("account", "list")):
        line = fails(instance, *command)
        assert "newer than this fedi's" in line and "9999" in line and "\n" not in line, line


# FEDI_CONFIG --------------------------------------------------------------------------------


def test_fedi_config_environment_variable(tmp_path):
    env = {"FEDI_CONFIG": str(tmp_path / "conf" / "work.toml")}
    run(tmp_path, "init", "--base-url", "http://localhost:8302", "--kind", "professional", env=env, ok=True)
    assert (tmp_path / "conf" / "work.toml").exists()
    assert not (tmp_path / "fedi.toml").exists()
    # The database sits next to the config file, not in the working directory.
    assert _db(tmp_path / "conf", "work.toml").parent.parent == (tmp_path / "conf").resolve()
    run(tmp_path, "account", "create", "bob", "--email", "bob@example.com", "--password", "password123",
        env=env, ok=True)
    assert run(tmp_path, "account", "list", env=env, ok=True).stdout.startswith(
        "bob\tbob@example.com\thttp://localhost:8302/users/bob\tlocked")
    # Without the variable, the default ./fedi.toml is looked for (and is missing).
    assert "fedi.toml" in fails(tmp_path, "account", "list")
    # --config wins over FEDI_CONFIG.
    message = fails(tmp_path, "--config", "other.toml", "account", "list", env=env)
    assert "other.toml" in message


# serve ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_http(tmp_path):
    port = _free_port()
    run(tmp_path, "init", "--base-url", f"http://localhost:{port}", ok=True)
    env = {k: v for k, v in os.environ.items() if k != "FEDI_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "fedi", "serve"], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/nodeinfo", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert body is not None, proc.stderr.read() if proc.poll() is not None else "server did not answer"
        assert f"http://localhost:{port}/nodeinfo/2.1" in body
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert "Traceback" not in err
    assert f"listening on 127.0.0.1:{port}" in out


def test_serve_port_in_use_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        run(tmp_path, "init", "--base-url", f"http://localhost:{port}", ok=True)
        message = fails(tmp_path, "serve")
    assert f"127.0.0.1:{port}" in message


def test_version():
    proc = run(ROOT, "--version", ok=True)
    assert proc.stdout.startswith("fedi ")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] in proc.stdout

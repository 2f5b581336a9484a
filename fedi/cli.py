"""Command line: fedi [--config PATH] init|serve|migrate|account ...|token ..."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import ssl
import sys
from pathlib import Path
from urllib.parse import urlsplit

from fedi import __version__, config as config_mod
from fedi.config import ConfigError
from fedi.storage.errors import SchemaTooNew

DEFAULT_CONFIG = "fedi.toml"


class CliError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fedi", description="A federated microblogging server.")
    p.add_argument("--config", "-c", help=f"config file (default: $FEDI_CONFIG or ./{DEFAULT_CONFIG})")
    p.add_argument("--version", action="version", version=f"fedi {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="write a starter config and create the database")
    init.add_argument("--base-url", default="http://localhost:8301")
    init.add_argument("--kind", choices=config_mod.KINDS, default="personal")
    init.add_argument("--name", default="fedi")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--role", choices=("all", "web", "worker"), default="all",
                       help="web: answer HTTP and queue jobs; worker: run jobs (no HTTP but "
                            "--health-port); all: both (the default)")
    serve.add_argument("--health-port", type=int, default=0,
                       help="worker: answer GET /health on this port of [server] host")
    sub.add_parser("migrate", help="apply database migrations")
    db = sub.add_parser("db", help="move the database").add_subparsers(dest="action", required=True)
    dcopy = db.add_parser("copy", help="copy the configured SQLite database into an empty PostgreSQL one")
    dcopy.add_argument("--to", required=True, metavar="URL", help="postgresql://user:password@host:port/name")

    account = sub.add_parser("account", help="manage accounts").add_subparsers(dest="action", required=True)
    create = account.add_parser("create", help="create a local account")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="prompted for when absent")
    create.add_argument("--admin", action="store_true")
    account.add_parser("list", help="list local accounts")

    token = sub.add_parser("token", help="manage access tokens").add_subparsers(dest="action", required=True)
    tcreate = token.add_parser("create", help="print a new bearer token for an account")
    tcreate.add_argument("username")
    tcreate.add_argument("--scopes", default="read write follow push")
    return p


def config_path(args) -> Path:
    return Path(args.config or os.environ.get("FEDI_CONFIG") or DEFAULT_CONFIG)


def load_config(args) -> config_mod.Config:
    return config_mod.load(config_path(args))


async def _with_state(cfg, fn):
    from fedi.services import instance_settings
    from fedi.services.accounts import ensure_instance_keys
    from fedi.services.state import State
    from fedi.storage.interfaces import open_store
    from fedi.urls import Urls

    store = await open_store(cfg.database_target, pool_size=cfg.database.pool_size)
    try:
        state = State(config=cfg, store=store, urls=Urls(cfg.base_url, cfg.instance.aliases))
        await ensure_instance_keys(state)
        await instance_settings.load(state)  # what admins set at run time applies here too
        return await fn(state)
    finally:
        await store.close()


def cmd_init(args) -> int:
    path = config_path(args)
    if path.exists() and not args.force:
        raise CliError(f"{path} already exists (use --force to overwrite)")
    try:
        parts = urlsplit(args.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CliError(f"--base-url must be an http(s) URL such as http://localhost:8301, not {args.base_url!r}") from None
    text = config_mod.starter_toml(args.base_url, args.kind, args.name, port,
                                   f"data/{(parts.hostname or 'fedi').replace('.', '_')}_{port}.sqlite3")
    cfg = config_mod.from_dict(__import__("tomllib").loads(text), source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    asyncio.run(_with_state(cfg, lambda state: state.store.migrate()))
    print(f"wrote {path}; database at {cfg.resolve_path(cfg.database.path)}")
    return 0


def cmd_migrate(args) -> int:
    cfg = load_config(args)
    from fedi.storage.interfaces import open_store

    async def run():
        store = await open_store(cfg.database_target, migrate=False, pool_size=cfg.database.pool_size)
        try:
            return await store.migrate()
        finally:
            await store.close()

    applied = asyncio.run(run())
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_account(args) -> int:
    cfg = load_config(args)
    from fedi.services import accounts

    if args.action == "create":
        password = args.password
        if password is None:
            if not sys.stdin.isatty():
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password: ")
                if getpass.getpass("Again: ") != password:
                    raise CliError("passwords do not match")
        account = asyncio.run(_with_state(cfg, lambda s: accounts.create_local(
            s, args.username, args.email, password, admin=args.admin)))
        print(f"created @{account.username}@{cfg.domain} ({account.uri})")
        return 0

    async def listing(state):
        out = []
        for a in await state.store.accounts.list_local():
            user = await state.store.users.get(a.id)
            out.append((a, user))
        return out

    for a, user in asyncio.run(_with_state(cfg, listing)):
        flags = ",".join(f for f, on in (("admin", user and user.admin), ("locked", a.locked),
                                         ("suspended", a.suspended)) if on)
        print(f"{a.username}\t{user.email if user else '-'}\t{a.uri}\t{flags}")
    return 0


def cmd_token(args) -> int:
    cfg = load_config(args)
    from fedi.services import accounts

    async def make(state):
        account = await accounts.local_account(state, args.username)
        return await accounts.create_token(state, account, args.scopes)

    print(asyncio.run(_with_state(cfg, make)))
    return 0


def cmd_serve(args) -> int:
    cfg = load_config(args)
    from aiohttp import web

    from fedi.app import create_app, server_settings, tune_collector

    ssl_context = None
    if cfg.server.tls_cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            ssl_context.load_cert_chain(str(cfg.resolve_path(cfg.server.tls_cert)),
                                        str(cfg.resolve_path(cfg.server.tls_key)))
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot load TLS certificate/key: {exc}") from None
    logging.basicConfig(level=os.environ.get("FEDI_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.role == "worker":
        return _serve_worker(cfg, args.health_port)
    print(f"fedi {__version__}: {cfg.instance.kind} instance {cfg.base_url} "
          f"listening on {cfg.server.host}:{cfg.server.port}"
          f"{' (web: jobs are run by worker processes)' if args.role == 'web' else ''}", flush=True)
    app = create_app(cfg, run_workers=args.role == "all")
    tune_collector()
    try:
        web.run_app(app, host=cfg.server.host, port=cfg.server.port,
                    ssl_context=ssl_context, print=None, access_log=None, **server_settings(cfg))
    except OSError as exc:
        raise CliError(f"cannot listen on {cfg.server.host}:{cfg.server.port}: {exc.strerror}") from None
    return 0


def _serve_worker(cfg, health_port: int) -> int:
    """Run the job queues, answering no HTTP but GET /health on `health_port` when given."""
    from aiohttp import web

    from fedi.app import create_worker_app, tune_collector

    where = f"; health on {cfg.server.host}:{health_port}" if health_port else ""
    print(f"fedi {__version__}: worker for {cfg.base_url}{where}", flush=True)
    app = create_worker_app(cfg)
    tune_collector()
    if not health_port:
        asyncio.run(_run_headless(app))
        return 0
    try:
        web.run_app(app, host=cfg.server.host, port=health_port, print=None, access_log=None)
    except OSError as exc:
        raise CliError(f"cannot listen on {cfg.server.host}:{health_port}: {exc.strerror}") from None
    return 0


async def _run_headless(app) -> None:
    """Start the app's resources without a listening socket; stop on SIGINT or SIGTERM."""
    import signal

    from aiohttp import web

    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def cmd_db(args) -> int:
    cfg = load_config(args)
    from fedi.storage.copy import CopyError, copy_sqlite_to_postgresql
    from fedi.storage.interfaces import is_postgresql

    if cfg.database.url:
        raise CliError("[database] url is set: `fedi db copy` reads the SQLite database named by [database] path")
    if not is_postgresql(args.to):
        raise CliError(f"--to must be a postgresql:// URL, not {args.to!r}")
    path = cfg.resolve_path(cfg.database.path)
    if not path.exists():
        raise CliError(f"no SQLite database at {path}")
    try:
        copied = asyncio.run(copy_sqlite_to_postgresql(str(path), args.to))
    except CopyError as exc:
        raise CliError(str(exc)) from None
    print(f"copied {sum(copied.values()):,} rows in {len(copied)} tables; every table's count matches. "
          f"Now set [database] url (and remove path) in the config, and start fedi again.")
    return 0


COMMANDS = {"init": cmd_init, "serve": cmd_serve, "migrate": cmd_migrate, "account": cmd_account,
            "token": cmd_token, "db": cmd_db}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, CliError, SchemaTooNew) as exc:
        print(f"fedi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        from fedi.services.errors import ServiceError

        if isinstance(exc, ServiceError):
            print(f"fedi: {exc.message}", file=sys.stderr)
            return 1
        print(f"fedi: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""Real fedi instances on loopback with distinct domains, for federation tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer, unused_port

from fedi.activitypub.vocab import AP_ACCEPT
from fedi.app import create_app, server_settings
from fedi.appkeys import RUNNER, STATE
from fedi.config import from_dict
from fedi.federation.client import StaticResolver
from fedi.services import accounts
from fedi.storage.interfaces import open_store
from tests import pg

RESOLVER_SUFFIXES = {".test": "127.0.0.1"}


def backend() -> str:
    """The storage the tests run on: sqlite (the default) or postgresql (FEDI_TEST_BACKEND)."""
    return os.environ.get("FEDI_TEST_BACKEND", "sqlite")


# A test of SQLite's own machinery (its files, its pragmas, its single writer).
sqlite_only = pytest.mark.skipif("os.environ.get('FEDI_TEST_BACKEND', 'sqlite') != 'sqlite'",
                                 reason="tests SQLite's own machinery")


# A test that needs a PostgreSQL server whatever backend the run is on (moving to it, its
# concurrency); skipped where none answers.
needs_postgresql = pytest.mark.skipif("__import__('tests.pg').pg.server_url() is None",
                                      reason="no PostgreSQL server")


def sqlite_before(path: str, version: int) -> None:
    """A SQLite database at `path` with the migrations older than `version` applied, as an
    instance made before that migration left it (for tests of what the migration does)."""
    import sqlite3

    from fedi.storage.sqlite.db import _split_sql, migration_files

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)")
    for number, name, script in migration_files():
        if number >= version:
            break
        for statement in _split_sql(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (number, name))
    conn.commit()
    conn.close()


@contextlib.asynccontextmanager
async def scratch_store(tmp_path, name: str = "fedi", migrate: bool = True):
    """A store of its own on the backend the tests run on, removed afterwards."""
    url = await pg.fresh_database() if backend() == "postgresql" else None
    store = await open_store(url or str(tmp_path / f"{name}.sqlite3"), migrate=migrate)
    try:
        yield store
    finally:
        await store.close()
        if url:
            await pg.drop_database(url)


@dataclass
class Instance:
    name: str
    config: object
    app: object
    server: TestServer
    session: aiohttp.ClientSession

    @property
    def state(self):
        return self.app[STATE]

    @property
    def runner(self):
        return self.app[RUNNER]

    @property
    def base(self) -> str:
        return self.config.base_url

    @property
    def domain(self) -> str:
        return self.config.domain

    async def user(self, username: str, **kw):
        return await accounts.create_local(self.state, username, f"{username}@{self.name}", "password123", **kw)

    async def token(self, username: str, scopes: str = "read write follow push") -> str:
        account = await accounts.local_account(self.state, username)
        return await accounts.create_token(self.state, account, scopes)

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    async def post_outbox(self, username: str, token: str, activity: dict):
        async with self.session.post(
            f"{self.base}/users/{username}/outbox", data=json.dumps(activity),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/activity+json"},
        ) as resp:
            return resp.status, await resp.json(content_type=None), resp.headers.get("Location")

    async def api(self, method: str, path: str, token: str | None = None, body: dict | None = None):
        """A client API call with a bearer token (and a JSON body): (status, decoded answer)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        kwargs = {"headers": headers}
        if body is not None:
            kwargs = {"data": json.dumps(body), "headers": {**headers, "Content-Type": "application/json"}}
        async with self.session.request(method, self.base + path, **kwargs) as resp:
            return resp.status, await resp.json(content_type=None)

    async def get_json(self, path: str, headers: dict | None = None):
        url = path if path.startswith("http") else self.base + path
        async with self.session.get(url, headers={"Accept": AP_ACCEPT, **(headers or {})}) as resp:
            return resp.status, await resp.json(content_type=None)

    async def deliver_as(self, username: str, url: str, activity: dict) -> int:
        """POST an activity to any inbox, signed with this instance's user's key."""
        from fedi.activitypub.signatures import sign_request

        account = await self.state.store.accounts.by_handle(username, None)
        user = await self.state.store.users.get(account.id)
        body = json.dumps(activity).encode()
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                               account.public_key_id, user.private_key_pem)
        async with self.session.post(url, data=body, headers=headers) as resp:
            return resp.status

    async def inbox_items(self, username: str, token: str) -> list[dict]:
        status, doc = await self.get_json(f"/users/{username}/inbox?page=true",
                                          {"Authorization": f"Bearer {token}"})
        assert status == 200, doc
        return doc["orderedItems"]


class Federation:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.instances: dict[str, Instance] = {}
        self.resolver = StaticResolver(suffixes=RESOLVER_SUFFIXES)
        self.session: aiohttp.ClientSession | None = None
        self.databases: dict[str, str] = {}  # instance name -> its PostgreSQL database

    async def database_for(self, name: str) -> dict:
        """The [database] section of an instance: a SQLite file, or with
        FEDI_TEST_BACKEND=postgresql a fresh PostgreSQL database of its own (the same one
        when the instance starts again)."""
        if backend() != "postgresql":
            return {"path": str(self.tmp_path / f"{name}.sqlite3")}
        if name not in self.databases:
            self.databases[name] = await pg.fresh_database()
        return {"url": self.databases[name]}

    async def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=self.resolver))
        return self.session

    def config_for(self, name: str, port: int, kind: str, database: dict | None = None, **sections):
        data = {
            "instance": {"base_url": f"http://{name}:{port}", "name": name, "kind": kind,
                         **sections.pop("instance", {})},
            "database": database or {"path": str(self.tmp_path / f"{name}.sqlite3")},
            "federation": {"allow_private_addresses": True, **sections.pop("federation", {})},
            "delivery": {"timeout": 3.0, **sections.pop("delivery", {})},
            "media": {"dir": str(self.tmp_path / f"{name}-media"), **sections.pop("media", {})},
            **sections,
        }
        return from_dict(data)

    async def start(self, name: str, kind: str = "personal", *, port: int | None = None,
                    listen_port: int | None = None, run_workers: bool = False, database: dict | None = None,
                    **sections) -> Instance:
        """Start an instance whose base_url has `port`; it listens there too unless
        `listen_port` says otherwise (behind a reverse proxy on `port`). `database`: a
        [database] section instead of the instance's own database."""
        port = port or unused_port()
        cfg = self.config_for(name, port, kind, database or await self.database_for(name), **sections)
        app = create_app(cfg, resolver=self.resolver, run_workers=run_workers, poll_interval=0.2)
        server = TestServer(app, host="127.0.0.1", port=listen_port or port)
        await server.start_server(**server_settings(cfg))
        inst = Instance(name, cfg, app, server, await self._session())
        self.instances[name] = inst
        return inst

    async def stop(self, name: str) -> Instance:
        inst = self.instances.pop(name)
        await inst.server.close()
        return inst

    async def settle(self, rounds: int = 20) -> None:
        """Run every instance's due jobs until nothing is left to do anywhere."""
        for _ in range(rounds):
            before = await self._pending()
            for inst in list(self.instances.values()):
                await inst.runner.run_until_idle()
            after = await self._pending()
            if before == after == 0:
                return
        raise AssertionError("federation did not settle")

    async def _pending(self) -> int:
        total = 0
        for inst in self.instances.values():
            total += await inst.state.store.jobs.due()
        return total

    async def close(self) -> None:
        for name in list(self.instances):
            await self.stop(name)
        if self.session is not None:
            await self.session.close()
        for url in self.databases.values():
            await pg.drop_database(url)
        self.databases.clear()


async def wait_for(predicate, timeout: float = 5.0, interval: float = 0.05):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)

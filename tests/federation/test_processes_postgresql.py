"""Real `fedi serve` processes on one PostgreSQL database: two web processes (the same
instance behind two ports) and two workers. A stream opened on one web process hears a post
made through the other; a post to followers on many hosts reaches every host although a
worker is killed with SIGKILL in the middle of the fan-out, with no more duplicates than the
deliveries that worker had in flight."""

import asyncio
import json
import sys
import time
from collections import Counter

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from fedi.storage.interfaces import open_store
from tests import pg
from tests.federation.processes import Process, fedi_cli, wait_up, write_config
from tests.harness import needs_postgresql
from tests.unit.test_storage import follow, remote_account

pytestmark = [needs_postgresql, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

HOSTS = 40
WORKER_DELIVERIES = 2  # [delivery] workers: deliveries each worker process has in flight at most


class Receivers:
    """HOSTS peers, each a shared inbox on a port of its own that takes a moment to answer."""

    def __init__(self):
        self.got: list[tuple[int, str]] = []
        self.runners: list[web.AppRunner] = []
        self.ports: list[int] = []

    async def start(self):
        for _ in range(HOSTS):
            port = unused_port()

            async def inbox(request, port=port):
                doc = json.loads(await request.read())
                await asyncio.sleep(0.15)
                self.got.append((port, doc.get("id")))
                return web.Response(status=202)

            app = web.Application()
            app.router.add_post("/inbox", inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)
            self.ports.append(port)

    async def close(self):
        for runner in self.runners:
            await runner.cleanup()


async def test_two_web_and_two_worker_processes_share_one_database(tmp_path):
    url = await pg.fresh_database()
    port_a, port_b = unused_port(), unused_port()
    base = f"http://localhost:{port_a}"  # web B answers for the same instance on another port
    config_a = write_config(tmp_path, "web-a", base, port_a, url, delivery_workers=WORKER_DELIVERIES)
    config_b = write_config(tmp_path, "web-b", base, port_b, url, delivery_workers=WORKER_DELIVERIES)
    fedi_cli(config_a, "migrate")
    fedi_cli(config_a, "account", "create", "alice", "--email", "alice@example.com", "--password", "password123")
    token = fedi_cli(config_a, "token", "create", "alice")

    receivers = Receivers()
    await receivers.start()
    store = await open_store(url)
    try:
        alice = await store.accounts.by_handle("alice", None)
        for n, port in enumerate(receivers.ports):
            peer = remote_account(f"reader{n}", f"localhost:{port}")
            peer.uri, peer.inbox_url = f"http://localhost:{port}/users/reader{n}", f"http://localhost:{port}/inbox"
            peer.shared_inbox_url = f"http://localhost:{port}/inbox"
            await store.accounts.insert(peer)
            await store.follows.insert(follow(peer, alice))
    finally:
        await store.close()

    procs = [Process(tmp_path, config_a, "serve", "--role", "web"),
             Process(tmp_path, config_b, "serve", "--role", "web")]
    workers = [Process(tmp_path, config_a, "serve", "--role", "worker", "--health-port", str(unused_port()))
               for _ in range(2)]
    try:
        async with aiohttp.ClientSession() as s:
            await wait_up(s, f"http://127.0.0.1:{port_a}/.well-known/nodeinfo")
            await wait_up(s, f"http://127.0.0.1:{port_b}/.well-known/nodeinfo")
            for w in workers:
                await wait_up(s, f"http://127.0.0.1:{w.args[-1]}/health")
            headers = {"Authorization": f"Bearer {token}"}

            # A stream on web B hears a post made through web A, within a second.
            async with s.ws_connect(f"http://127.0.0.1:{port_b}/api/v1/streaming?stream=user",
                                    headers=headers) as ws:
                await asyncio.sleep(0.3)  # the subscription is in place
                async with s.post(f"http://127.0.0.1:{port_a}/api/v1/statuses", headers=headers,
                                  json={"status": "hello from A", "visibility": "public"}) as r:
                    assert r.status == 200, await r.text()
                    posted = await r.json()
                started = time.monotonic()
                while True:
                    msg = await asyncio.wait_for(ws.receive(), 5)
                    if msg.type == aiohttp.WSMsgType.TEXT and json.loads(msg.data)["event"] == "update":
                        assert json.loads(json.loads(msg.data)["payload"])["id"] == posted["id"]
                        break
                assert time.monotonic() - started < 1.0

            async def delivered(note_uri: str) -> Counter:
                return Counter(port for port, activity in receivers.got if activity and note_uri in activity)

            # That post went to every host once, through the workers.
            note = posted["uri"]
            for _ in range(300):
                if len(await delivered(note)) == HOSTS:
                    break
                await asyncio.sleep(0.1)
            assert len(await delivered(note)) == HOSTS

            # Another post, which only worker 0 is running, until it is killed with SIGKILL in
            # the middle of its fan-out and a new worker starts.
            workers[1].stop()
            async with s.post(f"http://127.0.0.1:{port_b}/api/v1/statuses", headers=headers,
                              json={"status": "the fan-out that loses a worker", "visibility": "public"}) as r:
                assert r.status == 200, await r.text()
                second = (await r.json())["uri"]
            for _ in range(300):
                if len(await delivered(second)) >= 6:
                    break
                await asyncio.sleep(0.02)
            workers[0].kill9()
            assert len(await delivered(second)) < HOSTS, "the fan-out ended before the kill"
            workers.append(Process(tmp_path, config_b, "serve", "--role", "worker"))
            # The dead worker's jobs wait for their leases (30 s) to run out; the new worker runs them.
            for _ in range(900):
                if len(await delivered(second)) == HOSTS:
                    break
                await asyncio.sleep(0.1)
            assert len(await delivered(second)) == HOSTS, "some hosts never received the post"
            # The deliveries the dead worker had in flight run again once their leases run out
            # (within a minute): those are the only duplicates.
            check = await open_store(url)
            try:
                for _ in range(900):
                    if await check.jobs.pending("deliver") == 0:
                        break
                    await asyncio.sleep(0.1)
                assert await check.jobs.pending("deliver") == 0
            finally:
                await check.close()
            got = await delivered(second)
            duplicates = sum(n - 1 for n in got.values())
            assert duplicates <= WORKER_DELIVERIES, got
    finally:
        for p in [*procs, *workers]:
            p.stop()
        await receivers.close()
        await pg.drop_database(url)

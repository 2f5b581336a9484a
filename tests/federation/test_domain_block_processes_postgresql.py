"""A domain block made through one web process is enforced by the other within seconds:
two real `fedi serve --role web` processes answer for the same instance on one PostgreSQL
database, an admin blocks a peer's domain on the federation admin page of web A, and web B
(which keeps the policy in memory) refuses the peer's signed deliveries once web A's
announcement reaches it over LISTEN/NOTIFY. Lifting the block travels the same way."""

import asyncio
import html
import itertools
import json
import re
import time
from types import SimpleNamespace

import aiohttp
from aiohttp.test_utils import unused_port

from tests import pg
from tests.federation.hostile_peer import HostilePeer, sign_cavage
from tests.federation.processes import Process, fedi_cli, wait_up, write_config
from tests.harness import needs_postgresql
from tests.web.browser import Browser

pytestmark = needs_postgresql

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PROPAGATION = 5.0  # seconds the other web process may take to enforce a change


def notice(page) -> str:
    """The notice a page shows after a form was handled."""
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1)) if found else ""


async def test_a_domain_block_made_on_one_web_process_is_enforced_by_the_other(tmp_path):
    url = await pg.fresh_database()
    port_a, port_b = unused_port(), unused_port()
    base = f"http://localhost:{port_a}"  # web B answers for the same instance on another port
    config_a = write_config(tmp_path, "web-a", base, port_a, url)
    config_b = write_config(tmp_path, "web-b", base, port_b, url)
    fedi_cli(config_a, "migrate")
    fedi_cli(config_a, "account", "create", "boss", "--email", "boss@example.com",
             "--password", "password123", "--admin")

    session = aiohttp.ClientSession()
    peer = await HostilePeer("localhost", session).start()  # its own port on 127.0.0.1
    actor = peer.actor("mallory")
    admin = Browser(SimpleNamespace(base=base), None)
    notes = itertools.count(1)

    async def deliver(port: int) -> tuple[int, str]:
        """The peer's signed Create, made for the instance, sent to the web process on `port`
        (as a load balancer in front of both would pass it on, Host header included)."""
        body = json.dumps(actor.create("hello", [PUBLIC], next(notes))).encode()
        headers = sign_cavage("POST", f"{base}/inbox", body, actor.key_id, actor.private)
        async with session.post(f"http://127.0.0.1:{port}/inbox", data=body, headers=headers) as r:
            return r.status, await r.text()

    async def until(port: int, status: int) -> float:
        """Seconds until the web process on `port` answers the peer's deliveries with `status`."""
        started = time.monotonic()
        while True:
            got, text = await deliver(port)
            elapsed = time.monotonic() - started
            if got == status:
                return elapsed
            assert got in (202, 403), (got, text)
            assert elapsed < PROPAGATION, f"port {port} still answers {got} after {elapsed:.1f} s"
            await asyncio.sleep(0.02)

    procs = [Process(tmp_path, config_a, "serve", "--role", "web"),
             Process(tmp_path, config_b, "serve", "--role", "web")]
    try:
        await wait_up(session, f"http://127.0.0.1:{port_a}/.well-known/nodeinfo")
        await wait_up(session, f"http://127.0.0.1:{port_b}/.well-known/nodeinfo")

        # Before the block both processes take the peer's deliveries, each after fetching its
        # key from the peer and checking the signature.
        for port in (port_a, port_b):
            assert await deliver(port) == (202, "")
        assert peer.requests["/users/mallory"] >= 1

        page = await admin.sign_in("boss", "password123")
        assert page.status == 200 and "Sign out" in page.text, page.text
        await admin.get("/admin/federation")
        blocked = await admin.post("/admin/federation/block",
                                   {"domain": peer.domain, "comment": "spam"})
        assert blocked.status == 200 and notice(blocked) == f"{peer.domain} is blocked."

        # Web A refuses at once; web B within seconds, though nothing was said to it directly.
        status, text = await deliver(port_a)
        assert status == 403 and "not allowed" in text, (status, text)
        took = await until(port_b, 403)
        assert took < PROPAGATION
        for port in (port_a, port_b):
            status, text = await deliver(port)
            assert status == 403 and "not allowed" in text, (port, status, text)

        # Lifting the block travels the same way.
        unblocked = await admin.post("/admin/federation/unblock", {"domain": peer.domain})
        assert unblocked.status == 200
        assert notice(unblocked) == f"{peer.domain} is no longer blocked."
        assert await deliver(port_a) == (202, "")
        took_back = await until(port_b, 202)
        assert took_back < PROPAGATION
        assert await deliver(port_b) == (202, "")
    finally:
        await admin.close()
        for p in procs:
            p.stop()
        await peer.close()
        await session.close()
        await pg.drop_database(url)

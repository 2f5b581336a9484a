"""Slow clients cannot hold connections: a request head or body that arrives too slowly, and
an idle connection, are cut off, while ordinary requests keep being answered meanwhile.

The limits are set low here ([server] header_timeout, body_timeout, body_min_rate); the
bounds the tests wait for are generous multiples of them, since they only check that the
server does cut such clients off, not how fast it is.
"""

import asyncio
import json
import time

import aiohttp

from tests.federation.test_crash import Proc, cli

LIMITS = {"header_timeout": 1.0, "body_timeout": 1.0, "body_min_rate": 1_000_000}
SLOW = 300  # connections held open by one trickling client


async def _trickle(port: int, head: bytes, drip: bytes, every: float, stop_after: float,
                   until: bytes | None = None) -> tuple[float, bytes]:
    """Send `head`, then `drip` every `every` seconds until the server closes the connection
    (or its answer holds `until`). Returns how long that took and what it answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(head)
    answer = b""
    try:
        while time.monotonic() - started < stop_after:
            try:
                answer += await asyncio.wait_for(reader.read(4096), timeout=every)
                if reader.at_eof() or (until and until in answer):
                    break
            except TimeoutError:
                writer.write(drip)
                await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    return time.monotonic() - started, answer


async def test_slow_heads_and_idle_connections_are_cut_off_while_others_are_served(fed):
    site = await fed.start("site.test", server=LIMITS)
    port = site.server.port
    slow = [asyncio.ensure_future(_trickle(port, b"GET /api/v1/instance HTTP/1.1\r\nHost: site.test\r\n",
                                           b"X-Slow: 1\r\n", 0.3, 30)) for _ in range(SLOW)]
    idle = [asyncio.ensure_future(_trickle(port, b"", b"", 0.3, 30)) for _ in range(20)]
    await asyncio.sleep(0.5)
    # While they hang on, an ordinary client is answered.
    async with site.session.get(f"{site.base}/api/v1/instance") as resp:
        assert resp.status == 200
    kept = await asyncio.gather(*slow, *idle)
    # Every one of them was closed by the server, long before the client would have given up.
    assert max(seconds for seconds, _ in kept) < 15, sorted(seconds for seconds, _ in kept)[-5:]
    assert all(answer == b"" for _, answer in kept)


async def test_a_slow_body_is_refused_and_nothing_is_kept(fed):
    site = await fed.start("site.test", server=LIMITS)
    await site.user("alice")
    token = await site.token("alice")
    body = json.dumps({"status": "s" * 400}).encode()
    head = (f"POST /api/v1/statuses HTTP/1.1\r\nHost: {site.domain}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    seconds, answer = await _trickle(site.server.port, head + body[:10], b"s", 0.2, 30, until=b"slowly")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"too slowly" in answer
    assert seconds < 15
    # The same post sent at a normal pace goes through.
    status, posted = await site.api("POST", "/api/v1/statuses", token, {"status": "at a normal pace"})
    assert status == 200, posted
    rows = await site.state.store.database.fetchall("SELECT content FROM statuses")
    assert [r["content"] for r in rows] == ["<p>at a normal pace</p>"]

    # The inbox and the web forms have the same limit.
    head = (f"POST /inbox HTTP/1.1\r\nHost: {site.domain}\r\nContent-Type: application/activity+json\r\n"
            f"Content-Length: 5000\r\n\r\n").encode()
    _, answer = await _trickle(site.server.port, head + b"{", b" ", 0.2, 30, until=b"slowly")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    head = (f"POST /auth/sign_in HTTP/1.1\r\nHost: {site.domain}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n").encode()
    _, answer = await _trickle(site.server.port, head + b"login=", b"a", 0.2, 30, until=b"slowly")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


async def test_fedi_serve_applies_the_configured_header_timeout(tmp_path):
    proc = Proc(tmp_path, "slow", "personal")
    proc.config.write_text(proc.config.read_text().replace("[server]\n", "[server]\nheader_timeout = 1.0\n"))
    assert "header_timeout = 1.0" in proc.config.read_text()
    cli(proc.config, "migrate")
    await proc.start()
    try:
        kept = await asyncio.gather(*(
            _trickle(proc.port, b"GET / HTTP/1.1\r\nHost: localhost\r\n", b"X: y\r\n", 0.3, 30) for _ in range(50)))
        assert max(seconds for seconds, _ in kept) < 15
        async with aiohttp.ClientSession() as s, s.get(f"{proc.base}/api/v1/instance") as resp:
            assert resp.status == 200
    finally:
        proc.stop()

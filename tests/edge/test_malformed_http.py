"""Requests too malformed for any route (broken request lines and headers, bad chunking,
smuggling attempts, TLS or HTTP/2 spoken to the plain port) get a 400 or a closed
connection, are logged as one INFO line rather than an error with a traceback, and the
server goes on answering everyone else."""

import asyncio
import logging

RAW = {
    "not HTTP": b"GARBAGE\r\n\r\n",
    "NUL in a header": b"GET / HTTP/1.1\r\nHost: site.test\r\nX-A: a\x00b\r\n\r\n",
    "header without a colon": b"GET / HTTP/1.1\r\nHost: site.test\r\nNoColon\r\n\r\n",
    "header line of 20 kB": b"GET / HTTP/1.1\r\nHost: site.test\r\nX-A: " + b"a" * 20000 + b"\r\n\r\n",
    "bad chunk size": b"POST /inbox HTTP/1.1\r\nHost: site.test\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n",
    "Content-Length and chunked": (b"POST /inbox HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\n"
                                   b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "two Content-Lengths": b"POST /inbox HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "TLS hello": bytes.fromhex("160301020001") + b"\x00" * 100,
    "unknown version": b"GET / HTTP/9.9\r\nHost: site.test\r\n\r\n",
    "raw bytes in the path": b"GET /\xff\xfe HTTP/1.1\r\nHost: site.test\r\n\r\n",
    "negative Content-Length": b"POST /inbox HTTP/1.1\r\nHost: site.test\r\nContent-Length: -5\r\n\r\n",
    "absurd Content-Length": b"POST /inbox HTTP/1.1\r\nHost: site.test\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    "NUL in the path": b"GET /api/v1/accounts/%00 HTTP/1.1\r\nHost: site.test\r\n\r\n",
    "CRLF in the query": b"GET /auth/sign_in?next=/%0d%0aSet-Cookie:x=1 HTTP/1.1\r\nHost: site.test\r\n\r\n",
}


async def test_malformed_requests_are_refused_quietly(fed, caplog):
    site = await fed.start("site.test")
    caplog.set_level(logging.DEBUG)
    answers = {}
    for name, data in RAW.items():
        reader, writer = await asyncio.open_connection("127.0.0.1", site.server.port)
        writer.write(data)
        await writer.drain()
        try:
            answers[name] = await asyncio.wait_for(reader.read(600), 10)
        except ConnectionError:
            answers[name] = b""
        writer.close()
    for name, answer in answers.items():
        status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/") else b""
        assert answer == b"" or status.startswith(b"4") or status in (b"200", b"303"), (name, answer[:120])
        assert b"Traceback" not in answer, name
    assert answers["CRLF in the query"].startswith(b"HTTP/1.1 200"), answers["CRLF in the query"][:100]
    assert b"Set-Cookie: x=1" not in answers["CRLF in the query"]
    assert answers["NUL in the path"].startswith(b"HTTP/1.1 400")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()[:120]}" for r in errors]
    assert not any(r.exc_info for r in caplog.records if r.name == "aiohttp.server")
    assert any("malformed request refused" in r.getMessage() for r in caplog.records)
    async with site.session.get(f"{site.base}/api/v1/instance") as resp:
        assert resp.status == 200

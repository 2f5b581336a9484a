import asyncio
import email.utils
import json
import time

import pytest
from aiohttp import web

from fedi.activitypub.vocab import AP_ACCEPT, AP_CONTENT_TYPE
from fedi.federation.client import (
    FetchError,
    HttpClient,
    RefusedAddress,
    Response,
    StaticResolver,
    is_forbidden_address,
    parse_retry_after,
)

DOC = {"id": "https://remote.test/actor", "type": "Person"}
BIG = 2 * 1024 * 1024
MAX_BODY = 1024 * 1024


def _ap(doc, status=200, content_type=AP_CONTENT_TYPE):
    return web.Response(status=status, body=json.dumps(doc).encode(), content_type=content_type)


def fixed(text, status=200, headers=None, content_type=AP_CONTENT_TYPE):
    async def handler(request):
        return web.Response(
            status=status, text=text, headers=headers, content_type=content_type
        )

    return handler


SEEN = web.AppKey("seen", list)
INBOX = web.AppKey("inbox", list)


def make_app() -> web.Application:
    app = web.Application()
    app[SEEN] = []  # (path, Signature header, Cookie header)
    app[INBOX] = []

    @web.middleware
    async def record(request, handler):
        request.app[SEEN].append(
            (request.path, request.headers.get("Signature"), request.headers.get("Cookie"))
        )
        return await handler(request)

    app.middlewares.append(record)

    async def echo(request):
        return _ap({"headers": dict(request.headers)})

    async def redirect(request):
        n = int(request.match_info["n"])
        raise web.HTTPFound("/echo" if n == 0 else f"/redirect/{n - 1}")

    async def redirect_to(request):
        raise web.HTTPFound(request.query["to"])

    async def set_cookie(request):
        resp = _ap(DOC)
        resp.set_cookie("session", "secret")
        return resp

    async def big_length(request):
        return web.Response(body=b"x" * BIG, content_type=AP_CONTENT_TYPE)

    async def big_chunked(request):
        resp = web.StreamResponse(headers={"Content-Type": AP_CONTENT_TYPE})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(BIG // 65536):
            await resp.write(b"x" * 65536)
        await resp.write_eof()
        return resp

    async def slow(request):
        await asyncio.sleep(10)
        return _ap(DOC)

    async def slow_body(request):
        resp = web.StreamResponse(headers={"Content-Type": AP_CONTENT_TYPE})
        await resp.prepare(request)
        for _ in range(100):
            await resp.write(b" ")
            await asyncio.sleep(0.1)
        await resp.write_eof()
        return resp

    async def unavailable(request):
        when = email.utils.formatdate(time.time() + 60, usegmt=True)
        return web.Response(status=503, headers={"Retry-After": when}, text="later")

    async def inbox(request):
        body = await request.read()
        request.app[INBOX].append((body, request.headers.get("Signature")))
        return web.Response(status=202)

    app.router.add_get("/actor", fixed(json.dumps(DOC)))
    app.router.add_get("/ld", fixed(json.dumps(DOC), content_type="Application/LD+JSON"))
    app.router.add_get("/html", fixed("<html></html>", content_type="text/html"))
    app.router.add_get("/array", fixed(json.dumps([DOC])))
    app.router.add_get("/broken", fixed("{not json"))
    app.router.add_get("/echo", echo)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/redirect-to", redirect_to)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_get("/big-length", big_length)
    app.router.add_get("/big-chunked", big_chunked)
    app.router.add_get("/slow", slow)
    app.router.add_get("/slow-body", slow_body)
    app.router.add_get("/ratelimit", fixed("slow down", 429, headers={"Retry-After": "120"}))
    app.router.add_get("/unavailable", unavailable)
    app.router.add_get("/missing", fixed("gone", 404, content_type="text/plain"))
    app.router.add_post("/inbox", inbox)
    return app


@pytest.fixture
async def server(aiohttp_server):
    return await aiohttp_server(make_app(), host="127.0.0.1")


@pytest.fixture
def base(server):
    return f"http://remote.test:{server.port}"


@pytest.fixture
async def make_client():
    clients = []

    async def factory(**kwargs):
        kwargs.setdefault("user_agent", "fedi-test/1.0")
        kwargs.setdefault("resolver", StaticResolver(suffixes={".test": "127.0.0.1"}))
        kwargs.setdefault("allow_private_addresses", True)
        kwargs.setdefault("max_body", MAX_BODY)
        client = HttpClient(**kwargs)
        await client.start()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client):
    return await make_client()


# -- address policy ---------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1",
        "::1", "::", "fe80::1", "fe80::1%eth0", "fd00::1", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "not-an-ip",
    ],
)
def test_forbidden_addresses(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "::ffff:1.1.1.1"])
def test_public_addresses(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd", "data:text/plain,hi", "ftp://example.com/", "gopher://example.com/",
        "http:///nohost", "/relative/path", "http://a@example.com/", "http://a:b@example.com/",
        "http://127.0.0.1/", "http://[::1]/", "http://2130706433/", "http://0x7f.1/",
        "http://127.1/", "http://017700000001/", "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://[fd00::1]/",
        "http://[fe80::1%25eth0]/", "http://0.0.0.0/", "http://[::ffff:7f00:1]:8080/",
        "http://[::1",
    ],
)
async def test_refused_urls(make_client, url):
    client = await make_client(allow_private_addresses=False)
    with pytest.raises(RefusedAddress) as info:
        await client.request("GET", url)
    assert info.value.status is None


async def test_resolved_private_address_refused_at_connect(make_client, server):
    client = await make_client(
        allow_private_addresses=False, resolver=StaticResolver({"evil.test": "127.0.0.1"})
    )
    with pytest.raises(RefusedAddress):
        await client.get_json(f"http://evil.test:{server.port}/actor")
    assert server.app[SEEN] == []


async def test_resolved_private_address_allowed_when_configured(make_client, server):
    client = await make_client(
        allow_private_addresses=True, resolver=StaticResolver({"evil.test": "127.0.0.1"})
    )
    url, doc = await client.get_json(f"http://evil.test:{server.port}/actor")
    assert doc == DOC
    assert url == f"http://evil.test:{server.port}/actor"


async def test_unresolvable_name_is_fetch_error(client):
    with pytest.raises(FetchError) as info:
        await client.request("GET", "http://unknown.example/")
    assert not isinstance(info.value, RefusedAddress)
    assert info.value.status is None


@pytest.fixture
async def lan_client(make_client):
    # 127.0.0.1 counts as allowed; evil.test resolves to 127.0.0.2, which does not.
    resolver = StaticResolver({"evil.test": "127.0.0.2"}, suffixes={".test": "127.0.0.1"})
    return await make_client(
        allow_private_addresses=False, resolver=resolver, allowed_networks=["127.0.0.1/32"]
    )


async def test_allowed_networks(lan_client, base):
    _, doc = await lan_client.get_json(f"{base}/actor")
    assert doc == DOC


@pytest.mark.parametrize(
    "target",
    ["http://evil.test:{port}/actor", "http://127.0.0.2:{port}/actor", "http://[::1]:{port}/"],
)
async def test_redirect_to_private_address_refused(lan_client, server, base, target):
    to = target.format(port=server.port)
    with pytest.raises(RefusedAddress):
        await lan_client.get_json(f"{base}/redirect-to?to={to}")
    assert [path for path, _, _ in server.app[SEEN]] == ["/redirect-to"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://remote.test/x", "gopher://x/"])
async def test_redirect_to_other_scheme_refused(client, base, target):
    with pytest.raises(RefusedAddress):
        await client.get_json(f"{base}/redirect-to?to={target}")


# -- redirects and signing ----------------------------------------------------


async def test_redirects_followed_and_signed_per_hop(client, server, base):
    calls = []

    def signer(method, url, headers, body):
        calls.append((method, url, dict(headers), body))
        return {**headers, "Signature": f"sig:{url}"}

    url, doc = await client.get_json(f"{base}/redirect/2", signer=signer)
    hops = [f"{base}/redirect/2", f"{base}/redirect/1", f"{base}/redirect/0", f"{base}/echo"]
    assert url == hops[-1]
    assert [c[1] for c in calls] == hops
    assert all(c[0] == "GET" and c[3] is None and c[2]["Accept"] == AP_ACCEPT for c in calls)
    assert [sig for _, sig, _ in server.app[SEEN]] == [f"sig:{h}" for h in hops]
    assert doc["headers"]["Signature"] == f"sig:{hops[-1]}"


async def test_too_many_redirects(client, base):
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/redirect/3")
    assert "redirect" in str(info.value)


async def test_redirect_not_followed_when_disabled(client, base):
    resp = await client.request("GET", f"{base}/redirect/1", follow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/redirect/0"


async def test_post_delivers_signed_body(client, server, base):
    body = json.dumps({"type": "Follow"}).encode()
    seen = []

    def signer(method, url, headers, data):
        seen.append((method, url, data))
        return {**headers, "Signature": "sig"}

    resp = await client.request(
        "POST", f"{base}/inbox", body=body, signer=signer,
        headers={"Content-Type": AP_CONTENT_TYPE},
    )
    assert isinstance(resp, Response)
    assert resp.status == 202
    assert seen == [("POST", f"{base}/inbox", body)]
    assert server.app[INBOX] == [(body, "sig")]


async def test_signer_failure_is_fetch_error(client, base):
    def signer(method, url, headers, body):
        raise RuntimeError("no key")

    with pytest.raises(FetchError):
        await client.request("GET", f"{base}/actor", signer=signer)


# -- limits -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big-length", "/big-chunked"])
async def test_oversized_body(client, base, path):
    with pytest.raises(FetchError) as info:
        await client.request("GET", f"{base}{path}")
    assert "bytes" in str(info.value)


async def test_body_within_per_request_limit(client, base):
    resp = await client.request("GET", f"{base}/big-chunked", max_body=BIG)
    assert len(resp.body) == BIG


async def test_slow_server_hits_deadline(make_client, base):
    client = await make_client(timeout=0.3)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/slow")
    assert info.value.status is None
    assert time.monotonic() - started < 2


async def test_slow_body_hits_deadline(client, base):
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await client.request("GET", f"{base}/slow-body", timeout=0.3)
    assert info.value.status is None
    assert time.monotonic() - started < 2


# -- get_json -----------------------------------------------------------------


async def test_get_json_accepts_ld_json_case_insensitively(client, base):
    _, doc = await client.get_json(f"{base}/ld")
    assert doc == DOC


async def test_get_json_rejects_wrong_content_type(client, base):
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/html")
    assert "content type" in str(info.value)


async def test_get_json_custom_content_types(client, base):
    with pytest.raises(FetchError):
        await client.get_json(f"{base}/actor", content_types=("application/jrd+json",))


@pytest.mark.parametrize("path", ["/array", "/broken"])
async def test_get_json_rejects_non_object(client, base, path):
    with pytest.raises(FetchError):
        await client.get_json(f"{base}{path}")


async def test_not_found(client, base):
    resp = await client.request("GET", f"{base}/missing")
    assert resp.status == 404
    assert resp.body == b"gone"
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/missing")
    assert info.value.status == 404
    assert info.value.retry_after is None


async def test_retry_after_seconds(client, base):
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/ratelimit")
    assert info.value.status == 429
    assert info.value.retry_after == 120


async def test_retry_after_http_date(client, base):
    with pytest.raises(FetchError) as info:
        await client.get_json(f"{base}/unavailable")
    assert info.value.status == 503
    assert 50 <= info.value.retry_after <= 61


def test_parse_retry_after():
    assert parse_retry_after("0") == 0
    assert parse_retry_after(" 30 ") == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 10) == 10
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 10) == 0
    for bad in (None, "", "soon", "-5", "1.5", "²", "9" * 5000):
        assert parse_retry_after(bad) is None


# -- headers and cookies --------------------------------------------------------


async def test_user_agent_and_no_cookies(client, server, base):
    await client.get_json(f"{base}/set-cookie")
    _, doc = await client.get_json(f"{base}/echo")
    assert doc["headers"]["User-Agent"] == "fedi-test/1.0"
    assert doc["headers"]["Accept"] == AP_ACCEPT
    assert [cookie for _, _, cookie in server.app[SEEN]] == [None, None]


async def test_response_fields(client, base):
    resp = await client.request("GET", f"{base}/actor")
    assert resp.status == 200
    assert resp.url == f"{base}/actor"
    assert resp.headers["content-type"].startswith(AP_CONTENT_TYPE)
    assert json.loads(resp.body) == DOC


async def test_not_started():
    client = HttpClient(user_agent="x")
    with pytest.raises(FetchError):
        await client.request("GET", "http://example.com/")


def test_static_resolver_lookup():
    resolver = StaticResolver({"a.example": "10.0.0.1"}, suffixes={".test": "127.0.0.1"})
    assert resolver.lookup("A.Example.") == "10.0.0.1"
    assert resolver.lookup("x.y.test") == "127.0.0.1"
    assert resolver.lookup("test.invalid") is None


async def test_static_resolver_unknown_name():
    with pytest.raises(OSError):
        await StaticResolver(suffixes={".test": "127.0.0.1"}).resolve("example.com", 80)

"""OAuth: app registration, password / authorization-code (PKCE) / client-credentials grants,
revocation, scopes and the RFC 8414 metadata, driven over HTTP and with Mastodon.py."""

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from mastodon import Mastodon
from mastodon.errors import MastodonIllegalArgumentError, MastodonUnauthorizedError

from fedi.api import http as api_http
from fedi.services import oauth as oauth_service
from tests.api.conftest import call, client

OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK = "https://client.example/callback"


class FormParser(HTMLParser):
    """The inputs of the page's form, by name."""

    def __init__(self):
        super().__init__()
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("id") == "code":
            self.inputs["shown_code"] = attrs.get("value") or ""


def inputs(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    return parser.inputs


def has_route(inst, method: str, path: str) -> bool:
    return any(r.method == method and r.resource is not None and r.resource.canonical == path
               for r in inst.app.router.routes())


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


@pytest.fixture
async def web(fed):
    """A browser-like session that keeps no cookies on its own (tests pass them explicitly)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fed.resolver),
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


@pytest.fixture
async def inst(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    return inst


async def register(web, inst, **data) -> dict:
    data = {"client_name": "Test client", "redirect_uris": f"{CALLBACK}\n{OOB}",
            "scopes": "read write follow push", **data}
    async with web.post(f"{inst.base}/api/v1/apps", data=data) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def post_token(web, inst, **data) -> tuple[int, dict]:
    async with web.post(f"{inst.base}/oauth/token", data=data) as resp:
        assert resp.headers.get("Cache-Control") == "no-store"
        return resp.status, await resp.json()


async def open_form(web, url: str) -> tuple[dict, str, str]:
    """GET the authorize page: its form inputs, the CSRF cookie and the page."""
    async with web.get(url, allow_redirects=False) as resp:
        assert resp.status == 200, await resp.text()
        page = await resp.text()
        assert resp.cookies["fedi_oauth_csrf"]["httponly"]
        assert resp.cookies["fedi_oauth_csrf"]["samesite"] == "Lax"
        return inputs(page), resp.cookies["fedi_oauth_csrf"].value, page


async def submit(web, inst, fields: dict, cookie: str, **override):
    data = {**fields, "username": "alice", "password": "password123", **override}
    resp = await web.post(f"{inst.base}/oauth/authorize", data=data, allow_redirects=False,
                          headers={"Cookie": f"fedi_oauth_csrf={cookie}"})
    return resp


def authorize_url(inst, app: dict, redirect_uri: str = CALLBACK, **extra) -> str:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect_uri,
             "scope": "read write", **extra}
    return f"{inst.base}/oauth/authorize?{urlencode(query)}"


async def code_for(web, inst, app: dict, **extra) -> str:
    fields, cookie, _ = await open_form(web, authorize_url(inst, app, **extra))
    async with await submit(web, inst, fields, cookie) as resp:
        assert resp.status == 302, await resp.text()
        return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]


async def test_mastodon_py_password_login(inst):
    client_id, client_secret = await call(Mastodon.create_app, "Mastodon.py test", api_base_url=inst.base,
                                          website="https://client.example")
    for login in ("alice", "alice@personal.test"):
        api = client(inst, client_id=client_id, client_secret=client_secret)
        token = await call(api.log_in, login, "password123", allow_http=True)
        assert token and api.access_token == token
        app = await call(api.app_verify_credentials)
        assert app["name"] == "Mastodon.py test" and "client_secret" not in app
        assert set(app["scopes"]) == {"read", "write", "follow", "push"}
        if has_route(inst, "GET", "/api/v1/accounts/verify_credentials"):
            me = await call(api.account_verify_credentials)
            assert me["username"] == "alice"
        else:
            found = await inst.state.store.tokens.lookup(oauth_service.hash_token(token))
            assert found.account_id == (await inst.state.store.accounts.by_handle("alice", None)).id
    api = client(inst, client_id=client_id, client_secret=client_secret)
    with pytest.raises(MastodonIllegalArgumentError):
        await call(api.log_in, "alice", "wrong password", allow_http=True)


async def test_app_registration(inst, web):
    app = await register(web, inst, website="https://client.example")
    assert app["redirect_uris"] == [CALLBACK, OOB] and app["redirect_uri"] == f"{CALLBACK}\n{OOB}"
    assert app["scopes"] == ["read", "write", "follow", "push"]
    assert app["client_secret_expires_at"] == 0 and app["client_id"]
    assert app["vapid_key"] == inst.state.vapid_public_key and len(app["vapid_key"]) == 87
    body = {"client_name": "JSON client", "redirect_uris": ["myapp://oauth", CALLBACK], "scopes": "read:statuses"}
    async with web.post(f"{inst.base}/api/v1/apps/", json=body) as resp:
        assert resp.status == 200
        created = await resp.json()
        assert created["redirect_uris"] == ["myapp://oauth", CALLBACK]
    async with web.post(f"{inst.base}/api/v1/apps?client_name=Query") as resp:
        created = await resp.json()
        assert created["redirect_uris"] == [OOB] and created["scopes"] == ["read"]
    for bad in ({"redirect_uris": OOB}, {"client_name": "x", "redirect_uris": "/relative"},
                {"client_name": "x", "redirect_uris": "javascript:alert(1)"},
                {"client_name": "x", "scopes": "read bogus"}, {"client_name": "x", "scopes": "read:bogus"}):
        async with web.post(f"{inst.base}/api/v1/apps", data=bad) as resp:
            assert resp.status == 422, bad
            assert "error" in await resp.json()


async def test_authorization_code_with_pkce(inst, web):
    app = await register(web, inst)
    verifier, challenge = pkce_pair()
    api = client(inst, client_id=app["client_id"], client_secret=app["client_secret"])
    url = await call(api.auth_request_url, redirect_uris=CALLBACK, scopes=["read", "write"], state="xyz",
                     allow_http=True)
    url += "&" + urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    fields, cookie, page = await open_form(web, url)
    assert 'for="username"' in page and 'for="password"' in page and ">Authorize</button>" in page
    assert fields["code_challenge"] == challenge and fields["state"] == "xyz" and fields["csrf_token"]
    async with await submit(web, inst, fields, cookie) as resp:
        assert resp.status == 302
        location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    # A public client: no secret, the verifier proves possession.
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], redirect_uri=CALLBACK, code_verifier=verifier)
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["scope"] == "read write" and isinstance(body["created_at"], int)
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], redirect_uri=CALLBACK, code_verifier=verifier)
    assert (status, body["error"]) == (400, "invalid_grant")  # single use


async def test_pkce_rejections_and_plain(inst, web):
    app = await register(web, inst)
    verifier, challenge = pkce_pair()
    code = await code_for(web, inst, app, code_challenge=challenge, code_challenge_method="S256")
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], client_secret=app["client_secret"],
                                    redirect_uri=CALLBACK, code_verifier=pkce_pair()[0])
    assert (status, body["error"]) == (400, "invalid_grant")
    code = await code_for(web, inst, app, code_challenge=challenge, code_challenge_method="S256")
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], redirect_uri="https://other.example/cb",
                                    code_verifier=verifier)
    assert (status, body["error"]) == (400, "invalid_grant")  # redirect_uri must match
    plain = secrets.token_urlsafe(48)
    code = await code_for(web, inst, app, code_challenge=plain, code_challenge_method="plain")
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], redirect_uri=CALLBACK, code_verifier=plain)
    assert status == 200, body
    code = await code_for(web, inst, app)  # no PKCE: then the secret is required
    status, body = await post_token(web, inst, grant_type="authorization_code", code=code,
                                    client_id=app["client_id"], redirect_uri=CALLBACK)
    assert (status, body["error"]) == (401, "invalid_client")


async def test_code_exchange_with_mastodon_py_and_oob(inst, web):
    app = await register(web, inst)
    fields, cookie, _ = await open_form(web, authorize_url(inst, app, redirect_uri=OOB))
    async with await submit(web, inst, fields, cookie) as resp:
        assert resp.status == 200 and "Location" not in resp.headers
        code = inputs(await resp.text())["shown_code"]
    api = client(inst, client_id=app["client_id"], client_secret=app["client_secret"])
    token = await call(api.log_in, code=code, redirect_uri=OOB, scopes=["read", "write"], allow_http=True)
    assert (await call(client(inst, token).app_verify_credentials))["name"] == "Test client"


async def test_authorize_page_refusals(inst, web):
    app = await register(web, inst, client_name="<script>x</script>")
    fields, cookie, page = await open_form(web, authorize_url(inst, app))
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    async with web.get(authorize_url(inst, app)) as resp:
        assert "form-action 'self' https://client.example" in resp.headers["Content-Security-Policy"]
    async with await submit(web, inst, fields, cookie, csrf_token="0" * 64) as resp:
        assert resp.status == 403 and "Location" not in resp.headers
    async with await submit(web, inst, fields, "another-nonce-" + "x" * 40) as resp:
        assert resp.status == 403
    async with await submit(web, inst, fields, cookie, password="nope") as resp:
        assert resp.status == 401 and "Location" not in resp.headers
        again = inputs(await resp.text())
        assert again["username"] == "alice" and again["csrf_token"] == fields["csrf_token"]
    for url in (authorize_url(inst, app, redirect_uri="https://evil.example/cb"),
                authorize_url(inst, {"client_id": "unknown"})):
        async with web.get(url, allow_redirects=False) as resp:
            assert resp.status == 400 and "Location" not in resp.headers
            assert "text/html" in resp.headers["Content-Type"]
    forged = {**fields, "redirect_uri": "https://evil.example/cb"}
    async with await submit(web, inst, forged, cookie) as resp:
        assert resp.status == 400 and "Location" not in resp.headers
    narrow = await register(web, inst, scopes="read")
    async with web.get(authorize_url(inst, narrow, state="s1"), allow_redirects=False) as resp:
        assert resp.status == 302  # a registered URI may hear about the error
        location = urlsplit(resp.headers["Location"])
        query = parse_qs(location.query)
        assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
        assert query["error"] == ["invalid_scope"] and query["state"] == ["s1"] and "code" not in query


async def test_failed_logins_are_rate_limited(inst, web):
    app = await register(web, inst)
    fields, cookie, _ = await open_form(web, authorize_url(inst, app))
    for _ in range(10):
        async with await submit(web, inst, fields, cookie, password="wrong-password") as resp:
            assert resp.status == 401
    async with await submit(web, inst, fields, cookie) as resp:
        assert resp.status == 429
    status, _ = await post_token(web, inst, grant_type="password", username="alice", password="password123",
                                    client_id=app["client_id"], client_secret=app["client_secret"])
    assert status == 429


async def test_client_credentials_and_scopes(inst, web):
    app = await register(web, inst, scopes="read write")
    status, body = await post_token(web, inst, grant_type="client_credentials", scope="read",
                                    client_id=app["client_id"], client_secret=app["client_secret"])
    assert status == 200 and body["scope"] == "read"
    found = await call(client(inst, body["access_token"]).app_verify_credentials)
    assert found["id"] == app["id"] and found["redirect_uris"] == app["redirect_uris"]
    status, denied = await post_token(web, inst, grant_type="client_credentials", scope="follow",
                                      client_id=app["client_id"], client_secret=app["client_secret"])
    assert (status, denied["error"]) == (400, "invalid_scope")
    status, denied = await post_token(web, inst, grant_type="client_credentials",
                                      client_id=app["client_id"], client_secret="wrong")
    assert (status, denied["error"]) == (401, "invalid_client")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    async with web.post(f"{inst.base}/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"}) as resp:
        assert resp.status == 200 and (await resp.json())["scope"] == "read write"
    status, body = await post_token(web, inst, grant_type="password", username="alice", password="password123",
                                    scope="read", client_id=app["client_id"], client_secret=app["client_secret"])
    read_only = body["access_token"]
    request = make_mocked_request("GET", "/", headers={"Authorization": f"Bearer {read_only}"}, app=inst.app)
    assert (await api_http.authenticate(request, "read:statuses")).account.username == "alice"
    with pytest.raises(aiohttp.web.HTTPForbidden):
        await api_http.authenticate(request, "write:statuses")
    if has_route(inst, "POST", "/api/v1/statuses"):
        async with web.post(f"{inst.base}/api/v1/statuses", data={"status": "hi"},
                            headers={"Authorization": f"Bearer {read_only}"}) as resp:
            assert resp.status == 403
    status, body = await post_token(web, inst, grant_type="refresh_token", client_id=app["client_id"])
    assert (status, body["error"]) == (400, "unsupported_grant_type")


async def test_cli_tokens_keep_working(inst, web):
    token = await inst.token("alice")
    request = make_mocked_request("GET", "/", headers={"Authorization": f"Bearer {token}"}, app=inst.app)
    assert (await api_http.authenticate(request, "write:statuses")).account.username == "alice"
    async with web.get(f"{inst.base}/api/v1/apps/verify_credentials",
                       headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 404  # authenticated, but no application behind the token
    async with web.get(f"{inst.base}/api/v1/apps/verify_credentials") as resp:
        assert resp.status == 401


async def test_revoke(inst, web):
    app = await register(web, inst)
    other = await register(web, inst)
    api = client(inst, client_id=app["client_id"], client_secret=app["client_secret"])
    token = await call(api.log_in, "alice", "password123", allow_http=True)
    async with web.post(f"{inst.base}/oauth/revoke", data={"client_id": other["client_id"],
                        "client_secret": other["client_secret"], "token": token}) as resp:
        assert resp.status == 200 and await resp.json() == {}
    assert (await call(client(inst, token).app_verify_credentials))["id"] == app["id"]  # not the other's
    await call(api.revoke_access_token, allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        await call(client(inst, token).app_verify_credentials)
    async with web.post(f"{inst.base}/oauth/revoke", data={"client_id": app["client_id"],
                        "client_secret": "wrong", "token": token}) as resp:
        assert resp.status == 401 and (await resp.json())["error"] == "invalid_client"


async def test_server_metadata_and_trailing_slashes(inst, web):
    async with web.get(f"{inst.base}/.well-known/oauth-authorization-server") as resp:
        meta = await resp.json()
    assert meta["issuer"] == inst.base
    assert meta["authorization_endpoint"] == f"{inst.base}/oauth/authorize"
    assert meta["token_endpoint"] == f"{inst.base}/oauth/token"
    assert meta["revocation_endpoint"] == f"{inst.base}/oauth/revoke"
    assert meta["app_registration_endpoint"] == f"{inst.base}/api/v1/apps"
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256", "plain"]
    assert {"authorization_code", "password", "client_credentials"} <= set(meta["grant_types_supported"])
    assert {"read", "write", "follow", "push", "profile", "read:statuses", "admin:read"} <= set(
        meta["scopes_supported"])
    assert "client_secret_post" in meta["token_endpoint_auth_methods_supported"]
    info = await call(client(inst).oauth_authorization_server_info)
    assert info["token_endpoint"] == meta["token_endpoint"]
    app = await register(web, inst)
    for method, path in (("GET", "/.well-known/oauth-authorization-server"), ("POST", "/api/v1/apps"),
                         ("GET", "/api/v1/apps/verify_credentials"), ("GET", "/oauth/authorize"),
                         ("POST", "/oauth/authorize"), ("POST", "/oauth/token"), ("POST", "/oauth/revoke")):
        for suffix in ("", "/"):
            async with web.request(method, f"{inst.base}{path}{suffix}", allow_redirects=False,
                                   params={"client_id": app["client_id"]}) as resp:
                assert resp.status not in (404, 405), (method, path + suffix, resp.status)


def test_scope_rules():
    assert oauth_service.covers({"read"}, "read:statuses")
    assert oauth_service.covers({"admin:read"}, "admin:read:accounts")
    assert oauth_service.covers({"follow"}, "write:follows")
    assert not oauth_service.covers({"read"}, "write:statuses")
    assert not oauth_service.covers({"admin:read"}, "admin:write:accounts")
    assert api_http.scope_allows({"read"}, "read:statuses")
    assert not api_http.scope_allows({"read"}, "write:statuses")

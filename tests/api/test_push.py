"""Web Push: subscriptions set through Mastodon.py, alerts received by a real push endpoint
and decrypted with the client library's own code (aesgcm) or http_ece (RFC 8291)."""

import base64
import json
import time

import http_ece
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from fedi.services import follows, statuses
from tests.api.conftest import call, client


def unb64(value: str) -> bytes:
    value = value.replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class PushService:
    """A push endpoint on push.test: records what it receives, answers `status`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 201
        app = web.Application()
        app.router.add_post("/push/{id}", self.receive)
        self.server = TestServer(app, host="127.0.0.1")

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status)

    def endpoint(self, name: str) -> str:
        return f"http://push.test:{self.server.port}/push/{name}"


@pytest.fixture
async def pusher():
    service = PushService()
    await service.server.start_server()
    yield service
    await service.server.close()


def check_vapid(jwt: str, server_key: str, endpoint_origin: str) -> dict:
    """Verify the ES256 token independently of the sender's library."""
    header_b64, claims_b64, sig_b64 = jwt.split(".")
    assert json.loads(unb64(header_b64))["alg"] == "ES256"
    raw = unb64(sig_b64)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(server_key))
    key.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64(claims_b64))
    assert claims["aud"] == endpoint_origin and claims["exp"] > time.time()
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims


async def test_alerts_reach_the_push_service_encrypted_and_signed(fed, pusher):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    api = client(inst, await inst.token("alice"))
    priv, pub = api.push_subscription_generate_keys()
    sub = await call(api.push_subscription_set, pusher.endpoint("a1"), pub,
                     follow_events=True, mention_events=True, favourite_events=False)
    server_key = sub["server_key"]
    assert sub["alerts"]["follow"] is True and sub["alerts"]["favourite"] is False
    assert sub["policy"] == "all" and sub["endpoint"] == pusher.endpoint("a1")
    assert (await call(api.instance_v2))["configuration"]["vapid"]["public_key"] == server_key
    assert (await call(api.push_subscription))["id"] == sub["id"]

    alice = await inst.state.store.accounts.by_handle("alice", None)
    ben = await inst.state.store.accounts.by_handle("ben", None)
    await follows.follow(inst.state, ben, alice)                      # alert wanted
    post = await statuses.create(inst.state, alice, "a post to like")
    await statuses.favourite(inst.state, ben, post)                   # alert not wanted
    await statuses.create(inst.state, ben, "hello @alice")            # alert wanted
    await fed.settle()

    assert len(pusher.received) == 2
    notes = {n["type"]: n for n in await call(api.notifications)}
    got = []
    for headers, body in pusher.received:
        assert headers["Content-Encoding"] == "aesgcm" and int(headers["TTL"]) > 0
        scheme, _, jwt = headers["Authorization"].partition(" ")
        assert scheme == "WebPush"
        check_vapid(jwt, server_key, f"http://push.test:{pusher.server.port}")
        assert f"p256ecdsa={server_key}" in headers["Crypto-Key"]
        alert = api.push_subscription_decrypt_push(body, priv, headers["Encryption"], headers["Crypto-Key"])
        got.append(alert)
    by_type = {a["notification_type"]: a for a in got}   # sent concurrently: any order
    assert sorted(by_type) == ["follow", "mention"]
    assert {t: a["notification_id"] for t, a in by_type.items()} == {t: notes[t]["id"] for t in by_type}
    assert by_type["follow"]["title"] == "ben followed you"
    assert by_type["mention"]["body"] == "hello @alice" and by_type["mention"]["icon"].startswith("http")


async def test_standard_subscription_uses_rfc8291(fed, pusher):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    token = await inst.token("alice")
    receiver = ec.generate_private_key(ec.SECP256R1())
    point = receiver.public_key().public_bytes(*_uncompressed())
    auth = b"0123456789abcdef"
    resp = await inst.session.post(f"{inst.base}/api/v1/push/subscription", headers={
        "Authorization": f"Bearer {token}"}, json={
        "subscription": {"endpoint": pusher.endpoint("s1"), "standard": True,
                         "keys": {"p256dh": base64.urlsafe_b64encode(point).decode().rstrip("="),
                                  "auth": base64.urlsafe_b64encode(auth).decode().rstrip("=")}},
        "data": {"alerts": {"favourite": True}, "policy": "all"}})
    sub = await resp.json()
    assert resp.status == 200 and sub["standard"] is True and sub["alerts"]["favourite"] is True
    alice = await inst.state.store.accounts.by_handle("alice", None)
    ben = await inst.state.store.accounts.by_handle("ben", None)
    await statuses.favourite(inst.state, ben, await statuses.create(inst.state, alice, "like me"))
    await fed.settle()

    [(headers, body)] = pusher.received
    assert headers["Content-Encoding"] == "aes128gcm"
    vapid = dict(part.split("=", 1) for part in headers["Authorization"].removeprefix("vapid ").split(","))
    assert vapid["k"] == sub["server_key"]
    check_vapid(vapid["t"], sub["server_key"], f"http://push.test:{pusher.server.port}")
    alert = json.loads(http_ece.decrypt(body, private_key=receiver, auth_secret=auth, version="aes128gcm"))
    assert alert["notification_type"] == "favourite" and alert["title"] == "ben favourited your post"
    with pytest.raises(InvalidSignature):  # the check above is a real one
        check_vapid(vapid["t"], _other_key(), f"http://push.test:{pusher.server.port}")


async def test_policy_update_gone_endpoints_and_errors(fed, pusher):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    await inst.user("cleo")
    api = client(inst, await inst.token("alice"))
    with pytest.raises(MastodonNotFoundError):
        await call(api.push_subscription)
    priv, pub = api.push_subscription_generate_keys()
    with pytest.raises(MastodonAPIError) as bad:
        await call(api.push_subscription_set, pusher.endpoint("x"), {"pubkey": b"\x04" + b"1" * 20,
                                                                      "auth": pub["auth"]})
    assert bad.value.args[1] == 422
    reader = client(inst, await inst.token("alice", scopes="read"))
    with pytest.raises(MastodonAPIError) as denied:
        await call(reader.push_subscription_set, pusher.endpoint("x"), pub, follow_events=True)
    assert denied.value.args[1] == 403

    await call(api.push_subscription_set, pusher.endpoint("p"), pub, follow_events=True, policy="followed")
    alice, ben, cleo = [await inst.state.store.accounts.by_handle(n, None) for n in ("alice", "ben", "cleo")]
    await follows.follow(inst.state, alice, ben)
    await follows.follow(inst.state, ben, alice)      # alice follows ben: pushed
    await follows.follow(inst.state, cleo, alice)     # a stranger: not pushed under "followed"
    await fed.settle()
    assert len(pusher.received) == 1

    updated = await call(api.push_subscription_update, follow_events=False, mention_events=True, policy="all")
    assert updated["alerts"]["follow"] is False and updated["alerts"]["mention"] is True
    pusher.status = 410                               # the push service dropped it
    await statuses.create(inst.state, cleo, "@alice are you there?")
    await fed.settle()
    assert len(pusher.received) == 2
    with pytest.raises(MastodonNotFoundError):
        await call(api.push_subscription)

    await call(api.push_subscription_set, pusher.endpoint("q"), pub, mention_events=True)
    await call(api.push_subscription_delete)
    await statuses.create(inst.state, cleo, "@alice again")
    await fed.settle()
    assert len(pusher.received) == 2


def _uncompressed():
    from cryptography.hazmat.primitives import serialization
    return serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint


def _other_key() -> str:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(*_uncompressed())
    return base64.urlsafe_b64encode(point).decode().rstrip("=")


HOSTILE_ENDPOINTS = [
    "https://[::1]/push/x", "https://[2001:db8::1]:8443/push/x", "https://127.0.0.1/push/x", "https://10.0.0.1/x",
    "https://user:pw@push.example/x", "https://push.example/a b", "https://push.example/\r\nX: y",
    "javascript:alert(1)", "ftp://push.example/x", "https:///nohost", "https://push.example:99999/x",
    "https://push.example/" + "x" * 3000, "", "https://pūsh.example/x",
]


async def test_unusable_endpoints_are_refused_when_subscribing(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    token = await inst.token("alice")
    api = client(inst, token)
    _, pub = api.push_subscription_generate_keys()
    keys = {"p256dh": base64.urlsafe_b64encode(pub["pubkey"]).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(pub["auth"]).decode().rstrip("=")}
    for endpoint in HOSTILE_ENDPOINTS:
        status, body = await inst.api("POST", "/api/v1/push/subscription", token,
                                      {"subscription": {"endpoint": endpoint, "keys": keys}, "data": {"alerts": {}}})
        assert status in (400, 422), (endpoint, status, body)
        assert "error" in body
    with pytest.raises(MastodonNotFoundError):  # nothing was stored
        await call(api.push_subscription)


async def test_a_stored_unusable_subscription_fails_once_and_is_removed(fed, caplog):
    """A subscription saved before endpoints were checked (an IPv6 literal) must not retry forever."""
    inst = await fed.start("personal.test")
    alice, ben = await inst.user("alice"), await inst.user("ben")
    token = await inst.token("alice")
    api = client(inst, token)
    _, pub = api.push_subscription_generate_keys()
    await call(api.push_subscription_set, "https://push.example/ok", pub, mention_events=True)
    sub = await call(api.push_subscription)
    await inst.state.store.push.delete(str(sub["id"]))
    row = {**(await _raw_subscription(inst, token, pub)), "endpoint": "https://[::1]:8443/push/x"}
    await inst.state.store.push.put(row)
    await statuses.create(inst.state, ben, "@alice hello")
    await fed.settle()
    counts = (await inst.state.store.jobs.counts()).get("push", {})
    assert counts == {"failed": 1}, counts
    job = (await inst.state.store.database.fetchall("SELECT attempts, last_error FROM jobs WHERE queue = 'push'"))[0]
    assert job["attempts"] == 1 and "cannot be pushed to" in job["last_error"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    with pytest.raises(MastodonNotFoundError):
        await call(api.push_subscription)


async def _raw_subscription(inst, token: str, pub: dict) -> dict:
    from fedi.ids import new_id
    from fedi.services.accounts import hash_token

    stored = await inst.state.store.tokens.lookup(hash_token(token))
    b64 = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    return {"id": new_id(), "token_id": stored.id, "account_id": stored.account_id, "p256dh": b64(pub["pubkey"]),
            "auth": b64(pub["auth"]), "standard": False, "alerts": {"mention": True}, "policy": "all"}

"""A signature counts only for the server it was made for, and only once.

When server C delivers a followers-only post to server M, M holds bytes that verify with
C's key. Replayed to fedi, they must be refused: the signed `host` (draft-cavage) or
`@authority`/`@target-uri` (RFC 9421) names M, not us. A delivery really made for us
cannot be sent twice either: its signature is remembered (in the database, across a
restart) for as long as it could verify. The signers here are the independent `httpsig`
and `http-message-signatures` packages.
"""

import json
import time

from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from fedi.federation.inbox import INBOX_QUEUE
from tests.federation.hostile_peer import HostilePeer, sign_cavage, sign_rfc9421

SIGNERS = {"cavage": sign_cavage, "rfc9421": sign_rfc9421}


async def _setup(fed, **sections):
    home = await fed.start("home.test", **sections)
    alice = await home.user("alice")
    peer = await HostilePeer("carol.test", home.session).start()
    carol = peer.actor("carol")
    return home, alice, peer, carol


async def _post(session, url: str, body: bytes, headers: dict) -> tuple[int, str]:
    async with session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.text()


async def _followers_only_note(home, carol, n: int) -> tuple[dict, bytes]:
    activity = carol.create(f"for my followers only {n}", [f"{carol.uri}/followers", home.actor("alice")], n=n)
    return activity, json.dumps(activity).encode()


async def test_a_delivery_signed_for_another_server_is_refused(fed):
    home, _, peer, carol = await _setup(fed)
    other = await fed.start("other.test")  # M: the server the delivery was meant for
    await other.user("mallory")
    try:
        for n, (scheme, sign) in enumerate(SIGNERS.items(), start=1):
            activity, body = await _followers_only_note(home, carol, n)
            meant_for = f"{other.base}/inbox"
            headers = sign("POST", meant_for, body, carol.key_id, carol.private)
            # The bytes were good for M ...
            # ... but replayed to fedi, exactly as they were (M's Host included), they are refused,
            status, text = await _post(home.session, f"{home.base}/inbox", body, headers)
            assert status == 401, (scheme, status, text)
            assert "not addressed to this server" in json.loads(text)["error"]
            # and with the Host header rewritten to ours the signature no longer verifies.
            status, text = await _post(home.session, f"{home.base}/inbox", body,
                                       {**headers, "Host": home.domain})
            assert status == 401, (scheme, status, text)
            # M itself takes them.
            status, text = await _post(other.session, meant_for, body, headers)
            assert status == 202, (scheme, status, text)
        await fed.settle()
        assert await home.state.store.jobs.pending(INBOX_QUEUE) == 0
        assert (await home.state.store.jobs.counts()).get(INBOX_QUEUE) is None
        for n in (1, 2):
            assert await home.state.store.statuses.by_uri(f"{carol.uri}/statuses/{n}") is None
            assert await other.state.store.statuses.by_uri(f"{carol.uri}/statuses/{n}") is not None

        # Made for fedi, the same kind of delivery is accepted with either scheme.
        for n, sign in enumerate(SIGNERS.values(), start=3):
            activity, body = await _followers_only_note(home, carol, n)
            status, text = await _post(home.session, f"{home.base}/inbox", body,
                                       sign("POST", f"{home.base}/inbox", body, carol.key_id, carol.private))
            assert status == 202, text
        await fed.settle()
        assert await home.state.store.statuses.by_uri(f"{carol.uri}/statuses/4") is not None
    finally:
        await peer.close()


async def test_signed_fetches_are_bound_to_this_server_too(fed):
    home, _, peer, carol = await _setup(fed, federation={"authorized_fetch": True})
    try:
        # Let fedi learn carol's key through an accepted delivery.
        activity, body = await _followers_only_note(home, carol, 1)
        status, _ = await _post(home.session, f"{home.base}/inbox", body,
                                sign_cavage("POST", f"{home.base}/inbox", body, carol.key_id, carol.private))
        assert status == 202
        outbox = f"{home.base}/users/alice/outbox"
        ok = sign_cavage("GET", outbox, None, carol.key_id, carol.private)
        async with home.session.get(outbox, headers={**ok, "Accept": "application/activity+json"}) as r:
            assert r.status == 200
        elsewhere = sign_cavage("GET", outbox, None, carol.key_id, carol.private, host="other.example")
        async with home.session.get(outbox, headers={**elsewhere, "Accept": "application/activity+json"}) as r:
            assert r.status == 401
            assert "not addressed to this server" in (await r.json())["error"]
    finally:
        await peer.close()


async def test_configured_aliases_are_this_server(fed):
    port = unused_port()
    alias = f"alias.test:{port}"
    home, _, peer, carol = await _setup(fed, instance={"aliases": [alias.upper()]}, port=port)
    try:
        activity, body = await _followers_only_note(home, carol, 1)
        url = f"http://{alias}/inbox"  # resolves to the same server
        status, text = await _post(home.session, url, body, sign_cavage("POST", url, body, carol.key_id, carol.private))
        assert status == 202, text
        activity, body = await _followers_only_note(home, carol, 2)
        status, text = await _post(home.session, url, body, sign_rfc9421("POST", url, body, carol.key_id, carol.private))
        assert status == 202, text
    finally:
        await peer.close()


class ReverseProxy:
    """Forwards to fedi as the documented nginx block does: Host passed on, and
    X-Forwarded-For / X-Forwarded-Proto added."""

    def __init__(self, port: int, upstream: str, session):
        self.upstream, self.session = upstream, session
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self.server = TestServer(app, host="127.0.0.1", port=port)
        self.seen = 0

    async def forward(self, request: web.Request) -> web.Response:
        self.seen += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length", "transfer-encoding")}
        headers.update({"X-Forwarded-For": request.remote or "", "X-Forwarded-Proto": "http"})
        async with self.session.request(request.method, self.upstream + request.rel_url.raw_path_qs,
                                        headers=headers, data=await request.read(), allow_redirects=False) as up:
            return web.Response(status=up.status, body=await up.read(),
                                headers={k: v for k, v in up.headers.items()
                                         if k.lower() not in ("content-length", "transfer-encoding",
                                                              "content-encoding", "connection")})


async def test_deliveries_through_the_documented_reverse_proxy(fed):
    public_port = unused_port()
    home = await fed.start("home.test", port=public_port, listen_port=unused_port())
    await home.user("alice")
    proxy = ReverseProxy(public_port, f"http://127.0.0.1:{home.server.port}", home.session)
    await proxy.server.start_server()
    peer = await HostilePeer("carol.test", home.session).start()
    carol = peer.actor("carol")
    try:
        assert home.base.endswith(f":{public_port}") and home.server.port != public_port
        for n, sign in enumerate(SIGNERS.values(), start=1):
            activity, body = await _followers_only_note(home, carol, n)
            url = f"{home.base}/inbox"  # the proxy's address, as peers know it
            status, text = await _post(home.session, url, body, sign("POST", url, body, carol.key_id, carol.private))
            assert status == 202, text
        assert proxy.seen == 2
        await fed.settle()
        assert await home.state.store.statuses.by_uri(f"{carol.uri}/statuses/2") is not None
    finally:
        await peer.close()
        await proxy.server.close()


async def test_a_replayed_signature_is_refused_even_after_a_restart(fed):
    port = unused_port()
    home, _, peer, carol = await _setup(fed, port=port)
    inbox = f"{home.base}/inbox"
    try:
        activity, body = await _followers_only_note(home, carol, 1)
        headers = sign_cavage("POST", inbox, body, carol.key_id, carol.private)
        assert (await _post(home.session, inbox, body, headers))[0] == 202
        status, text = await _post(home.session, inbox, body, headers)
        assert status == 401 and "already received" in text
        await fed.settle()

        await fed.stop("home.test")  # the remembered signature is in the database
        home = await fed.start("home.test", port=port)
        status, text = await _post(home.session, inbox, body, headers)
        assert status == 401 and "already received" in text

        # A retry signed anew is accepted, and the activity is still processed once.
        again = sign_cavage("POST", inbox, body, carol.key_id, carol.private, at=time.time() - 3)
        assert (await _post(home.session, inbox, body, again))[0] == 202
        await fed.settle()
        assert (await home.state.store.jobs.counts())[INBOX_QUEUE] == {"done": 1}
    finally:
        await peer.close()

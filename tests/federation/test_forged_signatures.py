"""Forged signatures cost neither outbound requests nor the real sender's deliveries.

A bad signature for a known key makes fedi ask the key's host for a fresh copy (the key
may have been rotated). Those re-fetches are rate-limited per key and per host, and one
that fails (the host is briefly down) keeps the stored key, so the real actor's correctly
signed deliveries keep being accepted during and after a flood of forgeries.
"""

import asyncio
import json

from aiohttp import web

from fedi.activitypub.keys import generate_keypair
from fedi.activitypub.vocab import PUBLIC
from fedi.federation import keys as key_limits
from tests.federation.hostile_peer import AS, HostilePeer, sign_cavage


async def _deliver(home, activity: dict, key_id: str, private: str) -> int:
    body = json.dumps(activity).encode()
    url = f"{home.base}/inbox"
    async with home.session.post(url, data=body, headers=sign_cavage("POST", url, body, key_id, private)) as r:
        return r.status


async def _setup(fed, names=("zed",)):
    home = await fed.start("home.test")
    await home.user("alice")
    peer = await HostilePeer("z.test", home.session).start()
    actors = [peer.actor(name) for name in names]
    # fedi learns each key through a first, honest delivery.
    for n, actor in enumerate(actors):
        assert await _deliver(home, actor.create("hello", [home.actor("alice")], n=1000 + n),
                              actor.key_id, actor.private) == 202
    peer.requests.clear()
    return home, peer, actors


async def test_a_flood_of_forgeries_while_the_sender_is_down(fed):
    home, peer, (zed,) = await _setup(fed)
    forger_key, _ = generate_keypair()
    try:
        peer.down = True  # zed's server is briefly unreachable
        forged = [zed.create(f"forged {n}", [home.actor("alice")], n=n) for n in range(200)]
        honest = [zed.create(f"honest {n}", [home.actor("alice")], n=500 + n) for n in range(100)]
        results = await asyncio.gather(
            *(_deliver(home, a, zed.key_id, forger_key) for a in forged),
            *(_deliver(home, a, zed.key_id, zed.private) for a in honest))
        assert results[:200] == [401] * 200
        assert results[200:] == [202] * 100  # none of zed's real deliveries refused
        assert sum(peer.requests.values()) <= 1  # one re-fetch at most, which failed

        # After the flood, with zed's server back, nothing has changed either.
        peer.down = False
        assert await _deliver(home, zed.create("later", [home.actor("alice")], n=900), zed.key_id, zed.private) == 202
        assert await _deliver(home, forged[0], zed.key_id, forger_key) == 401
        assert sum(peer.requests.values()) <= 1
        await home.runner.run_until_idle()
        for n in (500, 599, 900):
            assert await home.state.store.statuses.by_uri(f"{zed.uri}/statuses/{n}") is not None
        for n in (0, 199):
            assert await home.state.store.statuses.by_uri(f"{zed.uri}/statuses/{n}") is None
    finally:
        await peer.close()


async def test_forgeries_for_many_keys_of_one_host_are_limited(fed):
    names = [f"u{n}" for n in range(30)]
    home, peer, actors = await _setup(fed, names)
    forger_key, _ = generate_keypair()
    try:
        results = await asyncio.gather(*(
            _deliver(home, actor.create("forged", [home.actor("alice")], n=n), actor.key_id, forger_key)
            for actor in actors for n in range(5)))
        assert results == [401] * 150
        burst = key_limits.REFRESH_PER_HOST[0]
        assert sum(peer.requests.values()) <= burst + 1
        # every real sender still gets through
        results = await asyncio.gather(*(
            _deliver(home, actor.create("honest", [home.actor("alice")], n=77), actor.key_id, actor.private)
            for actor in actors))
        assert results == [202] * 30
    finally:
        await peer.close()


async def test_a_rotated_key_is_still_picked_up(fed):
    home, peer, (zed,) = await _setup(fed)
    try:
        old_private = zed.private
        peer.rotate(zed, "zed")
        assert await _deliver(home, zed.create("new key", [home.actor("alice")], n=1), zed.key_id, zed.private) == 202
        assert peer.requests["/users/zed"] == 1
        stored = await home.state.store.accounts.by_uri(zed.uri)
        assert stored.public_key_pem.strip() == zed.public.strip()
        # The old key no longer works, and asking again so soon costs nothing more.
        assert await _deliver(home, zed.create("old key", [home.actor("alice")], n=2), zed.key_id, old_private) == 401
        assert peer.requests["/users/zed"] == 1
    finally:
        await peer.close()


async def test_a_deleted_account_can_still_say_so(fed):
    """Mastodon deletes an account, answers 410 for its actor, then sends Delete signed with
    the deleted key: a forgery before it must not make fedi forget the key it holds."""
    home, peer, (zed,) = await _setup(fed)
    try:
        peer.routes["/users/zed"] = web.Response(status=410)
        forger_key, _ = generate_keypair()
        assert await _deliver(home, zed.create("x", [home.actor("alice")], n=1), zed.key_id, forger_key) == 401
        assert peer.requests["/users/zed"] == 1
        delete = {"@context": AS, "id": f"{zed.uri}#delete", "type": "Delete", "actor": zed.uri,
                  "object": zed.uri, "to": [PUBLIC]}
        assert await _deliver(home, delete, zed.key_id, zed.private) == 202
        await home.runner.run_until_idle()
        assert await home.state.store.accounts.by_uri(zed.uri) is None
    finally:
        await peer.close()

"""A key is taken only from its keyId's own origin, and only for an actor there.

The tricks: a keyId on host X that redirects to an actor on host Y claiming the key;
a key document on X naming an owner on Y; a document on X claiming Y's id. Each is
refused with 401 and leaves nothing behind. The honest shapes (Mastodon's actor with a
#main-key fragment, a standalone Key document, GoToSocial's key stub at its own URL)
still work.
"""

import json

from fedi.federation.inbox import INBOX_QUEUE
from tests.federation.hostile_peer import HostilePeer, sign_cavage


async def _deliver(home, activity: dict, key_id: str, private: str) -> tuple[int, str]:
    body = json.dumps(activity).encode()
    url = f"{home.base}/inbox"
    async with home.session.post(url, data=body, headers=sign_cavage("POST", url, body, key_id, private)) as r:
        return r.status, await r.text()


async def _peers(fed):
    home = await fed.start("home.test")
    await home.user("alice")
    x = await HostilePeer("x.test", home.session).start()
    y = await HostilePeer("y.test", home.session).start()
    return home, x, y


async def _nothing_from(home, *actor_uris):
    await home.runner.run_until_idle()
    assert (await home.state.store.jobs.counts()).get(INBOX_QUEUE) is None
    for uri in actor_uris:
        account = await home.state.store.accounts.by_uri(uri)
        assert account is None or account.public_key_id is None or "x.test" not in account.public_key_id


async def test_a_key_id_redirecting_to_another_host_is_refused(fed):
    home, x, y = await _peers(fed)
    try:
        # Mallory lives on Y, but signs with a keyId on X that redirects to her actor on Y,
        # which claims the X key as its own.
        key_id = f"{x.base}/users/mallory#main-key"
        mallory = y.actor("mallory", key_id=key_id)
        x.redirect("/users/mallory", mallory.uri)
        status, text = await _deliver(home, mallory.create("hi", [home.actor("alice")]), key_id, mallory.private)
        assert status == 401, text
        assert x.requests["/users/mallory"] == 1
        await _nothing_from(home, mallory.uri)
    finally:
        await x.close()
        await y.close()


async def test_a_key_document_owned_by_another_host_is_refused(fed):
    home, x, y = await _peers(fed)
    try:
        key_id = f"{x.base}/keys/1"
        mallory = y.actor("mallory", key_id=key_id)
        x.serve("/keys/1", {"id": key_id, "type": "Key", "owner": mallory.uri, "publicKeyPem": mallory.public})
        status, text = await _deliver(home, mallory.create("hi", [home.actor("alice")]), key_id, mallory.private)
        assert status == 401, text
        await _nothing_from(home, mallory.uri)

        # A document on X that claims to be Y's actor.
        key_id = f"{x.base}/users/trudy#main-key"
        trudy = y.actor("trudy", key_id=key_id)
        x.serve("/users/trudy", y.routes["/users/trudy"])
        status, text = await _deliver(home, trudy.create("hi", [home.actor("alice")]), key_id, trudy.private)
        assert status == 401, text
        await _nothing_from(home, trudy.uri)
    finally:
        await x.close()
        await y.close()


async def test_honest_key_shapes_are_accepted(fed):
    home, x, _ = await _peers(fed)
    try:
        # Mastodon: the actor document, keyId with a #main-key fragment.
        zed = x.actor("zed")
        assert (await _deliver(home, zed.create("one", [home.actor("alice")]), zed.key_id, zed.private))[0] == 202

        # A standalone Key document on the actor's host.
        key_id = f"{x.base}/keys/amy"
        amy = x.actor("amy", key_id=key_id)
        x.serve("/keys/amy", {"id": key_id, "type": "Key", "owner": amy.uri, "publicKeyPem": amy.public})
        assert (await _deliver(home, amy.create("two", [home.actor("alice")]), key_id, amy.private))[0] == 202

        # GoToSocial: a stub actor at the key's own URL, the actor itself at its id.
        key_id = f"{x.base}/users/gus/main-key"
        gus = x.actor("gus", key_id=key_id)
        x.serve("/users/gus/main-key", {"id": gus.uri, "type": "Person", "preferredUsername": "gus",
                                        "inbox": f"{gus.uri}/inbox", "publicKey": {
                                            "id": key_id, "owner": gus.uri, "publicKeyPem": gus.public}})
        assert (await _deliver(home, gus.create("three", [home.actor("alice")]), key_id, gus.private))[0] == 202
        await home.runner.run_until_idle()
        for actor in (zed, amy, gus):
            stored = await home.state.store.accounts.by_uri(actor.uri)
            assert stored.public_key_pem.strip() == actor.public.strip()
    finally:
        await x.close()

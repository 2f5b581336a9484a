"""A Mastodon-shaped peer (independent signing code) follows a fedi account and gets its posts."""

import json

from fedi.activitypub.vocab import PUBLIC
from fedi.appkeys import SCHEMES
from tests.federation.foreign_peer import ForeignPeer


async def test_foreign_peer_follows_and_receives_posts(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    alice_token = await personal.token("alice")
    peer = ForeignPeer("masto.test", personal.session)
    await peer.server.start_server()
    try:
        # The peer fetches alice's actor with a signed GET (as Mastodon's instance actor would).
        url = personal.actor("alice")
        async with personal.session.get(url, headers=peer.signed_headers("GET", url, None)) as r:
            assert r.status == 200
            assert (await r.json(content_type=None))["inbox"] == url + "/inbox"

        # zed follows alice with a Mastodon-shaped Follow signed by httpsig
        follow = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{peer.base}/f/1",
                  "type": "Follow", "actor": peer.actor_uri(), "object": url}
        body = json.dumps(follow).encode()
        inbox = personal.base + "/users/alice/inbox"
        async with personal.session.post(inbox, data=body, headers=peer.signed_headers("POST", inbox, body)) as r:
            assert r.status == 202, await r.text()
        await fed.settle()

        # fedi accepted (alice is on a personal instance) and the Accept verified with httpsig
        accepts = [a for a in peer.received if a["type"] == "Accept"]
        assert len(accepts) == 1 and accepts[0]["object"]["id"] == follow["id"]
        zed = await personal.state.store.accounts.by_uri(peer.actor_uri())
        assert zed.display_name == "Zed Z" and "<script>" not in zed.note
        assert zed.shared_inbox_url == f"{peer.base}/inbox"

        # alice posts; the peer's shared inbox receives the Create
        status, body, location = await personal.post_outbox("alice", alice_token, {
            "type": "Note", "content": "hello fediverse", "to": [PUBLIC],
            "cc": [personal.actor("alice") + "/followers"]})
        assert status == 201, body
        await fed.settle()
        creates = [a for a in peer.received if a["type"] == "Create"]
        assert [c["id"] for c in creates] == [location]
        assert creates[0]["object"]["content"] == "<p>hello fediverse</p>"
        assert peer.rejected == []
    finally:
        await peer.server.close()


async def test_cavage_only_peer_gets_a_double_knock(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    alice_token = await personal.token("alice")
    peer = ForeignPeer("old.test", personal.session)
    await peer.server.start_server()
    try:
        follow = {"id": f"{peer.base}/f/2", "type": "Follow", "actor": peer.actor_uri(),
                  "object": personal.actor("alice")}
        body = json.dumps(follow).encode()
        inbox = personal.base + "/inbox"
        async with personal.session.post(inbox, data=body, headers=peer.signed_headers("POST", inbox, body)) as r:
            assert r.status == 202
        # Pretend the host had once proved RFC 9421: delivery tries it, is refused, knocks again.
        await personal.app[SCHEMES].learn(peer.domain, "rfc9421")
        await fed.settle()
        assert peer.rejected == ["rfc9421"]
        assert [a["type"] for a in peer.received] == ["Accept"]
        assert (await personal.state.store.hosts.get(peer.domain)).signature_scheme == "cavage"
        status, _, _ = await personal.post_outbox("alice", alice_token, {
            "type": "Note", "content": "second", "to": [PUBLIC], "cc": [personal.actor("alice") + "/followers"]})
        await fed.settle()
        assert peer.rejected == ["rfc9421"]  # not tried again
        assert [a["type"] for a in peer.received] == ["Accept", "Create"]
    finally:
        await peer.server.close()

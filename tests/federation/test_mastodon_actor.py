"""A Mastodon account follows an account on a professional instance and receives its posts.

The Mastodon side is built from saved real Mastodon documents (fixtures/mastodon): the
actor documents and WebFinger answers of two real accounts, and a real signed request in
which Mastodon delivered a Follow. The peer signs the way that request was signed and
verifies fedi's signatures with the independent `httpsig` library.
"""

import json
import re
import uuid
from urllib.parse import urlsplit

import httpsig

from fedi.activitypub.vocab import PUBLIC
from tests.federation.mastodon_peer import (
    INTERMEDIARY_HEADERS, MastodonPeer, SavedRequest, digest, mastodon_json, signature_params,
)


async def api(inst, method: str, path: str, token: str, **kw):
    async with inst.session.request(method, inst.base + path,
                                    headers={"Authorization": f"Bearer {token}"}, **kw) as r:
        return r.status, await r.json(content_type=None)


async def post_status(inst, token: str, text: str, visibility: str) -> dict:
    status, body = await api(inst, "POST", "/api/v1/statuses", token,
                             json={"status": text, "visibility": visibility})
    assert status == 200, body
    assert body["visibility"] == visibility
    return body


async def follow_requesters(inst, token: str) -> set[str]:
    status, body = await api(inst, "GET", "/api/v1/follow_requests", token)
    assert status == 200, body
    return {a["acct"] for a in body}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def href_of(html: str) -> str:
    return re.search(r'href="([^"]+)"', html).group(1)


def start_peer(inst) -> MastodonPeer:
    peer = MastodonPeer(inst.session)
    peer.add_actor("actor.json", "webfinger.json", "mastodon.social")
    peer.add_actor("second_actor.json", "second_webfinger.json", "framapiaf.org")
    return peer


# --------------------------------------------------------------------------- the saved request


def test_saved_follow_request_is_mastodons_and_the_peer_signs_like_it():
    saved = SavedRequest.load()
    # The saved body is exactly what was sent: its Digest and Content-Length say so.
    assert saved.header("Digest") == digest(saved.body)
    assert int(saved.header("Content-Length")) == len(saved.body)
    assert "(Mastodon/4." in saved.header("User-Agent")
    assert saved.signed_headers == ["(request-target)", "host", "date", "digest", "content-type"]
    assert saved.signature["algorithm"] == "rsa-sha256"
    assert saved.signature["keyId"].endswith("#main-key")
    # Mastodon's Follow shape, and the peer serialises it to the very same bytes.
    follow = json.loads(saved.body)
    assert list(follow) == ["@context", "id", "type", "actor", "object"]
    assert follow["type"] == "Follow" and urlsplit(follow["id"]).netloc == saved.sender_domain
    assert mastodon_json(follow) == saved.body

    peer = MastodonPeer(session=None)
    actor = peer.add_actor("actor.json", "webfinger.json", "mastodon.social")
    url = "http://fedi.test:8302/users/bob/inbox"
    body = mastodon_json(peer.follow(actor, "http://fedi.test:8302/users/bob", saved_id=True))
    headers = peer.signed_post_headers(actor, url, body)
    params = signature_params(headers["Signature"])
    # Same covered headers in the same order, same algorithm, Mastodon's keyId and header shapes.
    assert params["headers"] == saved.signature["headers"]
    assert params["algorithm"] == saved.signature["algorithm"]
    assert params["keyId"] == f"{actor.uri}#main-key"
    assert list(signature_params(saved.header("Signature"))) == list(params)
    sent_by_mastodon = {k.lower() for k, _ in saved.headers} - INTERMEDIARY_HEADERS - {"content-length"}
    assert {k.lower() for k in headers} == sent_by_mastodon
    assert headers["Digest"] == digest(body) and headers["Digest"].startswith("SHA-256=")
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", headers["Date"])
    assert headers["Host"] == "fedi.test:8302"
    agent = headers["User-Agent"]
    assert agent.startswith("http.rb/") and "(Mastodon/4." in agent and agent.endswith(f"+{peer.base}/)")
    # ... and the signature verifies with the key the actor document publishes.
    pem = actor.doc["publicKey"]["publicKeyPem"].encode()
    assert httpsig.HeaderVerifier(headers=headers, secret=pem, method="POST", path="/users/bob/inbox",
                                  sign_header="signature").verify()


# --------------------------------------------------------------------------- the flow


async def test_mastodon_account_follows_professional_account_and_receives_its_posts(fed):
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    token = await pro.token("bob")
    bob = pro.actor("bob")
    bob_account = await pro.state.store.accounts.by_handle("bob", None)
    _, bob_doc = await pro.get_json(bob)
    peer = start_peer(pro)
    gargron, second = peer.actors["gargron"], peer.actors["peertube"]
    await peer.server.start_server()
    try:
        # Bob finds the second account by its handle: WebFinger, then its actor document.
        handle = f"{second.username}@{peer.domain}"
        status, found = await api(pro, "GET", "/api/v2/search", token,
                                  params={"q": f"@{handle}", "resolve": "true", "type": "accounts"})
        assert status == 200, found
        assert [a["acct"] for a in found["accounts"]] == [handle]
        assert [q["resource"] for q, _ in peer.gets("/.well-known/webfinger")] == [f"acct:{handle}"]
        assert peer.gets(urlsplit(second.uri).path)

        # 1. The second account asks to follow bob and stays pending. A followers-only post
        #    then reaches nobody on the peer: it has no approved follower of bob.
        assert await peer.deliver(second, bob + "/inbox", peer.follow(second, bob)) == 202
        await fed.settle()
        assert await follow_requesters(pro, token) == {handle}
        early = await post_status(pro, token, "Only for my connections, before any approval", "private")
        await fed.settle()
        assert peer.received == []
        assert peer.rejected == []

        # 2. The saved Follow, from the saved actor, to bob's inbox.
        follow = peer.follow(gargron, bob, saved_id=True)
        assert urlsplit(follow["id"]).path == urlsplit(json.loads(peer.template.body)["id"]).path
        assert not peer.gets(urlsplit(gargron.uri).path)
        assert await peer.deliver(gargron, bob + "/inbox", follow) == 202
        await fed.settle()

        # fedi fetched the actor document, signed by its instance actor ...
        fetches = peer.gets(urlsplit(gargron.uri).path)
        assert fetches
        for _, headers in fetches:
            assert "application/activity+json" in headers["Accept"]
            signature = headers.get("Signature-Input", "") + headers.get("Signature", "")
            assert pro.state.urls.instance_key_id in signature
        # ... and stored it: Mastodon's fields map onto the account.
        gacct = f"{gargron.username}@{peer.domain}"
        status, acc = await api(pro, "GET", "/api/v1/accounts/lookup", token, params={"acct": gacct})
        assert status == 200, acc
        doc = gargron.doc
        assert acc["acct"] == gacct and acc["username"] == doc["preferredUsername"]
        assert acc["display_name"] == doc["name"]
        assert text_of(acc["note"]) == text_of(doc["summary"])
        assert acc["url"] == doc["url"]
        assert acc["avatar"] == doc["icon"]["url"] and acc["header"] == doc["image"]["url"]
        assert acc["uri"] == gargron.uri
        assert acc["locked"] is doc["manuallyApprovesFollowers"]
        assert acc["discoverable"] is doc["discoverable"]
        assert acc["bot"] is False and acc["group"] is False
        assert acc["created_at"].startswith(doc["published"][:10])
        fields = [a for a in doc["attachment"] if a["type"] == "PropertyValue"]
        assert [f["name"] for f in acc["fields"]] == [f["name"] for f in fields]
        for got, saved in zip(acc["fields"], fields):
            assert href_of(got["value"]) == href_of(saved["value"])
            assert text_of(got["value"]) == text_of(saved["value"])
        stored = await pro.state.store.accounts.by_uri(gargron.uri)
        assert stored.public_key_id == gargron.key_id
        assert stored.public_key_pem == doc["publicKey"]["publicKeyPem"]
        assert stored.shared_inbox_url == doc["endpoints"]["sharedInbox"]
        assert stored.followers_url == doc["followers"] and stored.featured_url == doc["featured"]
        assert stored.also_known_as == doc["alsoKnownAs"]

        # The follow waits for bob: a follow request and a notification, and no Accept yet.
        assert await follow_requesters(pro, token) == {handle, gacct}
        pending = await pro.state.store.follows.get(stored.id, bob_account.id)
        assert pending.state == "pending" and pending.uri == follow["id"]
        status, notes = await api(pro, "GET", "/api/v1/notifications", token)
        assert status == 200, notes
        assert {(n["type"], n["account"]["acct"]) for n in notes} >= {("follow_request", gacct)}
        assert peer.deliveries("Accept") == []

        # 3. Bob approves; the peer gets an Accept of its very Follow, signed by bob.
        status, rel = await api(pro, "POST", f"/api/v1/follow_requests/{acc['id']}/authorize", token)
        assert status == 200, rel
        assert rel["followed_by"] is True
        await fed.settle()
        accepts = peer.deliveries("Accept")
        assert len(accepts) == 1
        accept = accepts[0]
        assert accept.path == urlsplit(doc["endpoints"]["sharedInbox"]).path
        assert accept.key_id == bob_doc["publicKey"]["id"]
        assert accept.activity["actor"] == bob
        assert accept.activity["object"]["id"] == follow["id"]
        assert accept.activity["object"]["type"] == "Follow"
        assert accept.activity["object"]["actor"] == gargron.uri
        assert accept.activity["object"]["object"] == bob
        assert (await pro.state.store.follows.get(stored.id, bob_account.id)).state == "accepted"

        # 4. A public post reaches the peer's shared inbox, addressed to the public.
        public = await post_status(pro, token, "Hello to the whole fediverse", "public")
        await fed.settle()
        creates = [d for d in peer.deliveries("Create") if d.activity["object"]["id"] == public["uri"]]
        assert len(creates) == 1
        create, note = creates[0].activity, creates[0].activity["object"]
        assert creates[0].path == accept.path and creates[0].key_id == accept.key_id
        assert create["actor"] == bob and note["type"] == "Note" and note["attributedTo"] == bob
        assert PUBLIC in create["to"] and PUBLIC in note["to"]
        assert bob_doc["followers"] in note["cc"]
        assert "Hello to the whole fediverse" in note["content"]

        # 5. A followers-only post now reaches it too, addressed to bob's followers only,
        #    in one delivery to the shared inbox: none of its own for the pending account.
        private = await post_status(pro, token, "Only for my connections", "private")
        await fed.settle()
        creates = [d for d in peer.deliveries("Create") if d.activity["object"]["id"] == private["uri"]]
        assert len(creates) == 1
        create, note = creates[0].activity, creates[0].activity["object"]
        assert creates[0].path == accept.path and creates[0].key_id == accept.key_id
        assert note["attributedTo"] == bob and "Only for my connections" in note["content"]
        assert create["to"] == note["to"] == [bob_doc["followers"]]
        for addressed in (create, note):
            assert PUBLIC not in addressed.get("to", []) + addressed.get("cc", [])

        # The post from before the approval never arrived, the pending account's own inbox
        # received nothing, and it is still only asking.
        objects = {d.activity["object"]["id"] for d in peer.received}
        assert early["uri"] not in objects
        assert [d for d in peer.received if d.path == urlsplit(second.inbox).path] == []
        assert await follow_requesters(pro, token) == {handle}
        assert [d.activity["type"] for d in peer.received] == ["Accept", "Create", "Create"]
        assert all("digest" in d.signed_headers for d in peer.received)
        assert peer.rejected == []
    finally:
        await peer.server.close()


async def test_unsigned_or_tampered_follow_is_refused(fed):
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    token = await pro.token("bob")
    bob = pro.actor("bob")
    bob_account = await pro.state.store.accounts.by_handle("bob", None)
    peer = start_peer(pro)
    gargron = peer.actors["gargron"]
    actor_path = urlsplit(gargron.uri).path
    await peer.server.start_server()
    try:
        inbox = bob + "/inbox"
        follow = peer.follow(gargron, bob, saved_id=True)
        body = mastodon_json(follow)
        headers = peer.signed_post_headers(gargron, inbox, body)

        # Unsigned: refused before any key is looked up.
        unsigned = {k: v for k, v in headers.items() if k != "Signature"}
        assert await peer.post(inbox, body, unsigned) == 401
        # The body changed after signing, so its Digest no longer matches: refused the same way.
        tampered = mastodon_json({**follow, "id": f"{peer.base}/{uuid.uuid4()}"})
        assert await peer.post(inbox, tampered, headers) == 401
        assert peer.gets(actor_path) == []
        # The Digest fixed up too: the signature no longer covers it.
        assert await peer.post(inbox, tampered, {**headers, "Digest": digest(tampered)}) == 401

        await fed.settle()
        assert await follow_requesters(pro, token) == set()
        status, notes = await api(pro, "GET", "/api/v1/notifications", token)
        assert status == 200 and notes == []
        account = await pro.state.store.accounts.by_uri(gargron.uri)
        assert account is None or await pro.state.store.follows.get(account.id, bob_account.id) is None

        # The very request, untouched, is taken: it was the tampering that was refused.
        assert await peer.post(inbox, body, headers) == 202
        await fed.settle()
        assert await follow_requesters(pro, token) == {f"{gargron.username}@{peer.domain}"}
        assert peer.rejected == []
    finally:
        await peer.server.close()

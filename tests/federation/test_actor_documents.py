"""Actor documents, the instance actor, collections, objects, and authorized fetch."""

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from fedi.activitypub.signatures import sign_request
from fedi.activitypub.vocab import AP_ACCEPT, AS_CONTEXT, PUBLIC


def _rsa_2048(pem: str) -> None:
    key = load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 2048


async def _post(inst, username, activity) -> str:
    status, body, location = await inst.post_outbox(username, await inst.token(username), activity)
    assert status == 201, body
    assert location
    return location


async def _signed_get(fetcher, url: str):
    """GET `url` signed by the instance actor of the fedi instance `fetcher`."""
    state = fetcher.state
    headers = sign_request("GET", url, {"Accept": AP_ACCEPT}, None,
                           state.urls.instance_key_id, state.instance_private_key)
    async with fetcher.session.get(url, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


# --------------------------------------------------------------------------- actors


async def test_person_document(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    actor = personal.actor("alice")

    status, doc = await personal.get_json(actor)

    assert status == 200
    assert AS_CONTEXT in doc["@context"]
    assert doc["id"] == actor
    assert doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice"
    assert doc["inbox"] == f"{actor}/inbox"
    assert doc["outbox"] == f"{actor}/outbox"
    assert doc["followers"] == f"{actor}/followers"
    assert doc["following"] == f"{actor}/following"
    assert doc["featured"] == f"{actor}/collections/featured"
    assert doc["endpoints"]["sharedInbox"] == f"{personal.base}/inbox"
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    assert isinstance(doc["published"], str) and doc["published"].endswith("Z")
    assert doc["url"] == f"{personal.base}/@alice"
    key = doc["publicKey"]
    assert key["id"] == f"{actor}#main-key"
    assert key["owner"] == actor
    _rsa_2048(key["publicKeyPem"])
    assert doc["attachment"] == [] and doc["alsoKnownAs"] == []

    # Every URL the actor advertises answers (featured with an empty collection).
    for field in ("outbox", "followers", "following", "featured"):
        status, coll = await personal.get_json(doc[field])
        assert status == 200, field
        assert coll["id"] == doc[field] and coll["type"] == "OrderedCollection"


async def test_professional_actor_approves_followers_manually(fed):
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")

    status, doc = await pro.get_json(pro.actor("bob"))

    assert status == 200
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is False
    assert doc["type"] == "Person"
    _rsa_2048(doc["publicKey"]["publicKeyPem"])


async def test_profile_fields_and_aliases_set_through_the_outbox(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("alice2")
    actor = personal.actor("alice")
    old_account = pro.actor("alice2")

    update_id = await _post(personal, "alice", {"type": "Update", "object": {
        "id": actor, "type": "Person", "name": "Alice A.",
        "attachment": [
            {"type": "PropertyValue", "name": "Pronouns", "value": "she/her"},
            {"type": "PropertyValue", "name": "Site", "value": "https://alice.example/"},
        ],
        "alsoKnownAs": [old_account],
    }})

    status, doc = await personal.get_json(actor)
    assert status == 200
    assert doc["name"] == "Alice A."
    fields = {a["name"]: a["value"] for a in doc["attachment"]}
    assert [a["type"] for a in doc["attachment"]] == ["PropertyValue", "PropertyValue"]
    assert fields["Pronouns"] == "she/her"
    assert 'href="https://alice.example/"' in fields["Site"]  # plain URLs become links
    assert doc["alsoKnownAs"] == [old_account]

    # The Update activity is public and dereferenceable.
    status, update = await personal.get_json(update_id)
    assert status == 200
    assert update["type"] == "Update" and update["actor"] == actor
    assert update["object"]["id"] == actor

    # Someone else's actor cannot be updated through alice's outbox.
    status, body, _ = await personal.post_outbox("alice", await personal.token("alice"), {
        "type": "Update", "object": {"id": old_account, "type": "Person", "name": "hijacked"}})
    assert status == 403, body


async def test_instance_actor(fed):
    personal = await fed.start("personal.test", "personal")

    status, doc = await personal.get_json("/actor")

    assert status == 200
    assert doc["id"] == f"{personal.base}/actor"
    assert doc["type"] == "Application"
    assert doc["publicKey"]["id"] == f"{personal.base}/actor#main-key"
    assert doc["publicKey"]["owner"] == doc["id"]
    _rsa_2048(doc["publicKey"]["publicKeyPem"])
    assert doc["publicKey"]["publicKeyPem"] == personal.state.instance_public_key
    assert doc["inbox"].startswith(personal.base)


# --------------------------------------------------------------------------- collections


async def test_followers_and_following_collections(fed):
    personal = await fed.start("personal.test", "personal")
    other = await fed.start("other.test", "personal")
    await personal.user("alice")
    await other.user("carol")
    await other.user("dave")
    for follower in ("carol", "dave"):
        await _post(other, follower, {"type": "Follow", "object": personal.actor("alice")})
    await fed.settle()

    followers_url = personal.actor("alice") + "/followers"
    status, coll = await personal.get_json(followers_url)
    assert status == 200
    assert coll["type"] == "OrderedCollection" and coll["id"] == followers_url
    assert coll["totalItems"] == 2
    status, page = await personal.get_json(coll["first"])
    assert status == 200
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == followers_url
    assert sorted(page["orderedItems"]) == sorted([other.actor("carol"), other.actor("dave")])

    following_url = other.actor("carol") + "/following"
    status, coll = await other.get_json(following_url)
    assert status == 200 and coll["type"] == "OrderedCollection" and coll["totalItems"] == 1
    status, page = await other.get_json(coll["first"])
    assert status == 200 and page["orderedItems"] == [personal.actor("alice")]

    status, coll = await personal.get_json(personal.actor("alice") + "/following")
    assert status == 200 and coll["totalItems"] == 0
    status, page = await personal.get_json(coll["first"])
    assert status == 200 and page["orderedItems"] == []


async def test_outbox_only_lists_public_posts_and_objects_respect_visibility(fed):
    personal = await fed.start("personal.test", "personal")
    other = await fed.start("other.test", "personal")
    await personal.user("alice")
    await other.user("carol")
    actor = personal.actor("alice")
    followers = actor + "/followers"

    public = await _post(personal, "alice", {"type": "Note", "content": "public post", "to": [PUBLIC],
                                             "cc": [followers]})
    unlisted = await _post(personal, "alice", {"type": "Create", "object": {
        "type": "Note", "content": "unlisted post", "to": [followers], "cc": [PUBLIC]}})
    private = await _post(personal, "alice", {"type": "Note", "content": "followers only", "to": [followers]})
    direct = await _post(personal, "alice", {"type": "Note", "content": "just for carol",
                                             "to": [other.actor("carol")]})
    await fed.settle()

    status, coll = await personal.get_json(actor + "/outbox")
    assert status == 200
    assert coll["type"] == "OrderedCollection" and coll["totalItems"] == 2
    status, page = await personal.get_json(coll["first"])
    assert status == 200 and page["type"] == "OrderedCollectionPage"
    items = page["orderedItems"]
    assert [i["id"] for i in items] == [unlisted, public]  # newest first
    assert all(i["type"] == "Create" and i["actor"] == actor for i in items)
    assert {i["object"]["content"] for i in items} == {"<p>public post</p>", "<p>unlisted post</p>"}
    text = str(items)
    assert "followers only" not in text and "just for carol" not in text

    def note_of(activity_id):
        assert activity_id.endswith("/activity")
        return activity_id[: -len("/activity")]

    # Public and unlisted notes are there for anyone; the Create dereferences too.
    for activity_id, content in ((public, "<p>public post</p>"), (unlisted, "<p>unlisted post</p>")):
        status, note = await personal.get_json(note_of(activity_id))
        assert status == 200
        assert note["type"] == "Note" and note["id"] == note_of(activity_id)
        assert note["attributedTo"] == actor and note["content"] == content
        status, create = await personal.get_json(activity_id)
        assert status == 200
        assert create["type"] == "Create" and create["id"] == activity_id
        assert create["object"]["id"] == note_of(activity_id)

    # Followers-only and direct notes, and their Creates, are not visible unsigned.
    for activity_id in (private, direct):
        status, doc = await personal.get_json(note_of(activity_id))
        assert status == 404, doc
        assert "content" not in doc and "object" not in doc
        status, doc = await personal.get_json(activity_id)
        assert status == 404, doc
        assert "content" not in doc and "object" not in doc

    # The direct note's addressee's server may fetch it, signed by its instance actor.
    status, note = await _signed_get(other, note_of(direct))
    assert status == 200 and note["content"] == "<p>just for carol</p>"
    # A server with no one in the audience may not.
    stranger = await fed.start("stranger.test", "personal")
    status, _ = await _signed_get(stranger, note_of(private))
    assert status == 404


async def test_hidden_objects_look_like_missing_ones(fed):
    # An unsigned GET must not tell a hidden post apart from one that does not exist,
    # nor may a signature that does not verify.
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    private = await _post(personal, "alice", {"type": "Note", "content": "followers only",
                                              "to": [personal.actor("alice") + "/followers"]})
    note = private[: -len("/activity")]
    missing = note.rsplit("/", 1)[0] + "/1"
    status, _ = await personal.get_json(missing)
    assert status == 404

    status, doc = await personal.get_json(note)
    assert status == 404, doc
    status, doc = await personal.get_json(private)
    assert status == 404, doc
    other = await fed.start("other.test", "personal")
    forged = sign_request("GET", note, {"Accept": AP_ACCEPT}, None,
                          other.state.urls.instance_key_id, personal.state.instance_private_key)
    async with personal.session.get(note, headers=forged) as resp:
        assert resp.status == 404
        assert "content" not in await resp.json(content_type=None)


# --------------------------------------------------------------------------- authorized fetch


async def test_authorized_fetch(fed):
    secure = await fed.start("secure.test", "personal", federation={"authorized_fetch": True})
    other = await fed.start("other.test", "personal")
    await secure.user("alice")
    actor = secure.actor("alice")
    public = await _post(secure, "alice", {"type": "Note", "content": "public but guarded", "to": [PUBLIC]})
    note = public[: -len("/activity")]
    await fed.settle()

    # Unsigned: only the minimal key document of the actor.
    status, doc = await secure.get_json(actor)
    assert status == 200
    assert doc["id"] == actor and doc["type"] == "Person"
    assert doc["publicKey"]["id"] == f"{actor}#main-key" and doc["publicKey"]["owner"] == actor
    _rsa_2048(doc["publicKey"]["publicKeyPem"])
    for hidden in ("outbox", "followers", "following", "featured", "attachment", "summary"):
        assert hidden not in doc, hidden

    # Unsigned: collections and even public objects are refused.
    for url in (f"{actor}/followers", f"{actor}/following", f"{actor}/outbox", f"{actor}/outbox?page=true",
                note, public):
        status, body = await secure.get_json(url)
        assert status == 401, (url, status, body)
        assert "orderedItems" not in body and "content" not in body

    # A request with a signature that does not verify is refused too.
    forged = sign_request("GET", note, {"Accept": AP_ACCEPT}, None,
                          other.state.urls.instance_key_id, secure.state.instance_private_key)
    async with secure.session.get(note, headers=forged) as resp:
        assert resp.status == 401

    # Signed by another fedi server's instance actor: everything is served.
    status, doc = await _signed_get(other, actor)
    assert status == 200
    assert doc["outbox"] == f"{actor}/outbox" and doc["followers"] == f"{actor}/followers"
    status, coll = await _signed_get(other, f"{actor}/followers")
    assert status == 200 and coll["type"] == "OrderedCollection"
    status, coll = await _signed_get(other, f"{actor}/outbox")
    assert status == 200 and coll["totalItems"] == 1
    status, page = await _signed_get(other, f"{actor}/outbox?page=true")
    assert status == 200 and [i["id"] for i in page["orderedItems"]] == [public]
    status, doc = await _signed_get(other, note)
    assert status == 200 and doc["type"] == "Note" and doc["content"] == "<p>public but guarded</p>"
    status, doc = await _signed_get(other, public)
    assert status == 200 and doc["type"] == "Create"

    # The instance actor stays fetchable unsigned, or nobody could verify its signatures.
    status, doc = await secure.get_json("/actor")
    assert status == 200 and doc["type"] == "Application" and doc["publicKey"]["publicKeyPem"]


async def test_authorized_fetch_refuses_blocked_domains(fed):
    secure = await fed.start("secure.test", "personal", federation={"authorized_fetch": True})
    await secure.user("alice")
    evil = await fed.start("evil.test", "personal")
    fqdn_evil = await fed.start("evil.test.", "personal")  # same name, fully qualified
    followers = secure.actor("alice") + "/followers"

    # Before the block, evil.test's signed fetches are served (and its key is stored).
    status, _ = await _signed_get(evil, followers)
    assert status == 200

    # The admin blocks evil.test and restarts, keeping the database.
    port = secure.server.port
    await fed.stop("secure.test")
    secure = await fed.start("secure.test", "personal", port=port, federation={
        "authorized_fetch": True, "blocked_domains": ["evil.test"]})

    for fetcher in (evil, fqdn_evil):
        status, doc = await _signed_get(fetcher, followers)
        assert status == 401, (fetcher.name, doc)
        status, doc = await _signed_get(fetcher, secure.actor("alice"))
        assert status == 200 and "outbox" not in doc, fetcher.name  # only the key document
    other = await fed.start("other.test", "personal")
    status, _ = await _signed_get(other, followers)
    assert status == 200

"""Pure ActivityPub code: audience, parse, render and vocab."""

from __future__ import annotations

import json
import time

import pytest

from fedi.activitypub import audience, parse, render, vocab
from fedi.activitypub.audience import addressing, visibility_of
from fedi.activitypub.parse import InvalidDocument
from fedi.activitypub.vocab import PUBLIC
from fedi.models import Account, Status
from fedi.urls import Urls

FOLLOWERS = "https://local.test/users/alice/followers"
BOB = "https://remote.test/users/bob"
CAROL = "https://other.test/users/carol"


# Audience --------------------------------------------------------------------

@pytest.mark.parametrize("visibility, to, cc", [
    ("public", [PUBLIC], [FOLLOWERS, BOB, CAROL]),
    ("unlisted", [FOLLOWERS], [PUBLIC, BOB, CAROL]),
    ("private", [FOLLOWERS], [BOB, CAROL]),
    ("direct", [BOB, CAROL], []),
])
def test_addressing_table(visibility, to, cc):
    assert addressing(visibility, FOLLOWERS, [BOB, CAROL, BOB]) == (to, cc)


def test_local_only_addresses_nobody_elsewhere():
    here = "https://a.test/#Public"
    assert addressing("local", FOLLOWERS, [BOB, CAROL], local_public=here) == ([here], [])
    assert addressing("local", FOLLOWERS, [BOB]) == ([], [])
    for spelling in ("local", "Local_Only", "local-only"):
        assert audience.normalize(spelling) == "local"


@pytest.mark.parametrize("visibility", audience.FEDERATED)
@pytest.mark.parametrize("mentioned", [[], [BOB], [BOB, CAROL]])
def test_visibility_of_inverts_addressing(visibility, mentioned):
    to, cc = addressing(visibility, FOLLOWERS, mentioned)
    assert visibility_of({"to": to, "cc": cc}, FOLLOWERS) == visibility
    # Also without knowing the author's followers collection.
    assert visibility_of({"to": to, "cc": cc}, None) == visibility


def test_visibility_of_accepts_public_aliases_and_shapes():
    for alias in vocab.PUBLIC_ALIASES:
        assert visibility_of({"to": alias}, None) == "public"
        assert visibility_of({"to": [FOLLOWERS], "cc": [alias]}, None) == "unlisted"
    assert visibility_of({"to": [{"id": PUBLIC}]}, None) == "public"
    assert visibility_of({"to": [], "cc": []}, None) == "direct"
    assert visibility_of({}, None) == "direct"
    # A Pleroma/Misskey-style followers URL not ending in /followers, known to us.
    assert visibility_of({"to": ["https://r.test/u/1/fans"]}, "https://r.test/u/1/fans") == "private"


def test_normalize_visibility():
    assert audience.normalize(None) == "public"
    assert audience.normalize(" Unlisted ") == "unlisted"
    assert audience.normalize("followers_only") == "private"
    assert audience.normalize("", default="direct") == "direct"
    with pytest.raises(ValueError):
        audience.normalize("everyone")


def test_recipients_dedup_all_fields():
    doc = {"to": [BOB, PUBLIC], "cc": BOB, "bto": [CAROL], "bcc": [{"id": CAROL}], "audience": FOLLOWERS}
    assert audience.recipients(doc) == [BOB, PUBLIC, CAROL, FOLLOWERS]


def test_vocab_is_public():
    assert vocab.is_public(PUBLIC) and vocab.is_public("as:Public") and vocab.is_public("Public")
    assert not vocab.is_public("https://www.w3.org/ns/activitystreams#Publicity")
    assert not vocab.is_public(None) and not vocab.is_public([PUBLIC])


# parse.loads -------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"", b"{", b"{'a': 1}", b"\xff\xfe", "{\"a\": }", b"null", b"1", b'"str"', b"[]", b"[{}]",
])
def test_loads_rejects_malformed_and_non_objects(body):
    with pytest.raises(InvalidDocument):
        parse.loads(body)


def test_loads_accepts_objects():
    assert parse.loads(b'{"type": "Note", "tag": [{"a": [1, 2]}]}') == {"type": "Note", "tag": [{"a": [1, 2]}]}
    assert parse.loads('{"name": "\u00fc"}') == {"name": "ü"}


@pytest.mark.parametrize("body", [
    "[" * 10_000 + "]" * 10_000,
    '{"a":' * 10_000 + "1" + "}" * 10_000,
    '{"a":' + "[" * 10_000 + "]" * 10_000 + "}",
    '{"a":' * 100 + "1" + "}" * 100,  # within the parser's reach, beyond our limit
    '{"a":' + "[" * 100 + "]" * 100 + "}",
])
def test_loads_rejects_deep_nesting_without_recursion_error(body):
    with pytest.raises(InvalidDocument):
        parse.loads(body)


def test_loads_accepts_reasonable_nesting():
    doc = parse.loads('{"a":' * 20 + "1" + "}" * 20)
    assert isinstance(doc, dict)


# parse.actor_to_account --------------------------------------------------------

def actor_doc(**overrides) -> dict:
    doc = {
        "@context": [vocab.AS_CONTEXT, vocab.SECURITY_CONTEXT],
        "id": BOB,
        "type": "Person",
        "preferredUsername": "bob",
        "name": "Bob",
        "summary": "<p>Hello</p>",
        "url": "https://remote.test/@bob",
        "inbox": BOB + "/inbox",
        "outbox": BOB + "/outbox",
        "followers": BOB + "/followers",
        "following": BOB + "/following",
        "endpoints": {"sharedInbox": "https://remote.test/inbox"},
        "publicKey": {"id": BOB + "#main-key", "owner": BOB, "publicKeyPem": "PEM"},
        "icon": {"type": "Image", "url": "https://remote.test/avatar.png"},
        "manuallyApprovesFollowers": True,
        "discoverable": True,
        "alsoKnownAs": ["https://old.test/users/bob", 42],
        "attachment": [{"type": "PropertyValue", "name": "Site", "value": "<a href=\"https://b.test\">b</a>"}],
    }
    doc.update(overrides)
    return doc


def test_actor_to_account_happy_path():
    acct = parse.actor_to_account(actor_doc(), "123")
    assert acct.id == "123" and acct.uri == BOB
    assert acct.username == "bob" and acct.domain == "remote.test"
    assert acct.display_name == "Bob" and acct.note == "<p>Hello</p>"
    assert acct.inbox_url == BOB + "/inbox" and acct.shared_inbox_url == "https://remote.test/inbox"
    assert acct.followers_url == BOB + "/followers"
    assert acct.public_key_id == BOB + "#main-key" and acct.public_key_pem == "PEM"
    assert acct.avatar_url == "https://remote.test/avatar.png"
    assert acct.locked is True and acct.discoverable is True and acct.bot is False
    assert acct.also_known_as == ["https://old.test/users/bob"]
    assert acct.fields[0]["name"] == "Site" and 'href="https://b.test"' in acct.fields[0]["value"]
    assert acct.actor_type == "Person"
    assert parse.actor_to_account(actor_doc(type="Service"), "1").bot is True


def test_actor_to_account_sanitizes_hostile_text():
    doc = actor_doc(
        preferredUsername="<script>alert(1)</script>evil user" + "x" * 10_000,
        name="<script>alert('n')</script><b>Eve</b>" + "N" * 10_000,
        summary=('<p onclick="steal()">hi <a href="javascript:alert(1)">click</a>'
                 '<script>alert(2)</script><img src=x onerror=alert(3)><iframe src="https://x.test"></iframe></p>'),
        attachment=[
            {"type": "PropertyValue", "name": "<script>x</script>Site" + "s" * 1000,
             "value": '<a href="javascript:alert(1)">js</a><a href="data:text/html,x">d</a>'},
            {"type": "PropertyValue", "name": None, "value": ["not", "a", "string"]},
            "garbage",
        ],
        icon={"type": "Image", "url": "javascript:alert(1)"},
        image="data:image/png;base64,AAAA",
    )
    acct = parse.actor_to_account(doc, "1")
    assert "<" not in acct.username and " " not in acct.username and "script" not in acct.username
    assert len(acct.username) <= 64
    assert acct.display_name.startswith("Eve") and "<" not in acct.display_name
    assert "alert" not in acct.display_name
    assert len(acct.display_name) <= 100
    for bad in ("script", "javascript:", "onclick", "onerror", "<img", "<iframe", "alert("):
        assert bad not in acct.note, bad
    assert "hi" in acct.note and "click" in acct.note
    assert len(acct.fields) == 2
    assert acct.fields[0]["name"].startswith("Site") and len(acct.fields[0]["name"]) <= 255
    assert "javascript:" not in acct.fields[0]["value"] and "data:" not in acct.fields[0]["value"]
    assert acct.fields[1] == {"name": "", "value": ""}
    assert acct.avatar_url is None and acct.header_url is None


def test_actor_to_account_bounds_the_number_of_fields_and_aliases():
    doc = actor_doc(
        attachment=[{"type": "PropertyValue", "name": str(n), "value": "v"} for n in range(500)],
        alsoKnownAs=[f"https://a{n}.test/u" for n in range(500)],
    )
    acct = parse.actor_to_account(doc, "1")
    assert len(acct.fields) <= 20 and len(acct.also_known_as) <= 20


@pytest.mark.parametrize("inbox", [
    "https://evil.test/inbox",
    "https://remote.test.evil.test/inbox",
    "https://evil.test/remote.test/inbox",
    None,
    ["https://remote.test/inbox"],
    "/inbox",
])
def test_actor_to_account_rejects_foreign_inbox(inbox):
    with pytest.raises(InvalidDocument):
        parse.actor_to_account(actor_doc(inbox=inbox), "1")


def test_actor_to_account_rejects_non_actors_and_bad_ids():
    with pytest.raises(InvalidDocument):
        parse.actor_to_account(actor_doc(type="Note"), "1")
    with pytest.raises(InvalidDocument):
        parse.actor_to_account(actor_doc(id="javascript:alert(1)"), "1")
    with pytest.raises(InvalidDocument):
        parse.actor_to_account(actor_doc(id=None), "1")


def test_actor_to_account_drops_foreign_key_and_endpoints():
    doc = actor_doc(
        publicKey={"id": "https://evil.test/keys/1", "owner": BOB, "publicKeyPem": "EVIL"},
        endpoints={"sharedInbox": "https://evil.test/inbox"},
        followers="https://evil.test/followers",
    )
    acct = parse.actor_to_account(doc, "1")
    assert acct.public_key_id is None and acct.public_key_pem is None
    assert acct.shared_inbox_url is None
    assert acct.followers_url is None
    assert acct.inbox_url == BOB + "/inbox"


def test_actor_to_account_falls_back_to_id_for_username():
    acct = parse.actor_to_account(actor_doc(preferredUsername=None), "1")
    assert acct.username == "bob"


def test_host_of_and_same_origin():
    assert parse.host_of("https://Remote.Test:8443/users/a") == "remote.test:8443"
    assert parse.host_of(None) == "" and parse.host_of("not a url") == ""
    assert parse.same_origin("https://r.test/a", "https://r.test/b")
    assert not parse.same_origin("https://r.test/a", "https://r.test:8443/b")
    assert not parse.same_origin("https://r.test/a", "https://r.test.evil.test/b")
    assert not parse.same_origin(None, None) and not parse.same_origin("/a", "/b")


def test_host_of_never_includes_userinfo():
    uri = "https://x@evil.test/users/a"
    assert "@" not in parse.host_of(uri)
    assert parse.host_of(uri) in ("", "evil.test")
    doc = actor_doc(id=uri, inbox=uri + "/inbox", publicKey=None, endpoints=None)
    try:
        acct = parse.actor_to_account(doc, "1")
    except InvalidDocument:
        return
    assert acct.domain == "evil.test"


def test_host_of_ignores_the_fqdn_trailing_dot():
    assert parse.host_of("https://Evil.Test./users/a") == "evil.test"
    assert parse.host_of("https://evil.test.:8443/users/a") == "evil.test:8443"


def test_public_key_of_key_document():
    key = {"id": BOB + "#main-key", "type": "Key", "owner": BOB, "publicKeyPem": "PEM"}
    assert parse.public_key_of(key) == (BOB + "#main-key", BOB, "PEM")
    assert parse.public_key_of({"publicKey": [{"id": "k"}, key]}) == (BOB + "#main-key", BOB, "PEM")
    assert parse.public_key_of({"id": BOB}) == (None, None, None)


# parse.note_fields -------------------------------------------------------------

def test_note_fields_sanitizes_and_extracts():
    doc = {
        "id": BOB + "/statuses/1",
        "type": "Note",
        "content": ('<p>Hi <a href="javascript:alert(1)">there</a><script>alert(2)</script>'
                    '<span class="h-card"><a href="https://local.test/@alice" class="u-url mention">@alice</a></span></p>'),
        "summary": "<b>cw</b>",
        "inReplyTo": {"id": "https://local.test/users/alice/statuses/9"},
        "published": "2024-01-02T03:04:05Z",
        "updated": "2024-01-02T04:04:05+00:00",
        "url": "https://remote.test/@bob/1",
        "tag": [
            {"type": "Mention", "href": "https://local.test/users/alice", "name": "@alice"},
            {"type": "Hashtag", "href": "https://remote.test/tags/Cats", "name": "#Cats"},
            {"type": "Emoji", "name": ":blob:"},
            {"type": "Mention", "href": 7},
            "junk",
        ],
        "attachment": [
            {"type": "Document", "mediaType": "image/png", "url": "https://remote.test/a.png", "name": "<b>alt</b>"},
            {"type": "Image", "url": "javascript:alert(1)"},
            {"type": "Image", "url": "data:image/png;base64,AAAA"},
            {"type": "Image", "url": [{"href": "https://remote.test/b.png"}]},
        ],
        "contentMap": {"en": "ignored"},
    }
    f = parse.note_fields(doc)
    for bad in ("script", "javascript:", "alert("):
        assert bad not in f["content"], bad
    assert "Hi" in f["content"] and "there" in f["content"] and "@alice" in f["content"]
    assert f["summary"] == "cw" and f["sensitive"] is True
    assert f["in_reply_to"] == "https://local.test/users/alice/statuses/9"
    assert f["published"] == 1704164645.0 and f["updated"] == 1704168245.0
    assert f["url"] == "https://remote.test/@bob/1"
    assert f["language"] == "en"
    assert f["mentions"] == ["https://local.test/users/alice"]
    assert f["tags"] == ["Cats"]
    assert [a["url"] for a in f["attachments"]] == ["https://remote.test/a.png", "https://remote.test/b.png"]
    assert f["attachments"][0] == {"type": "Document", "url": "https://remote.test/a.png",
                                   "mediaType": "image/png", "name": "alt", "blurhash": None}
    assert f["object_type"] == "Note"


def test_note_fields_defaults_for_sparse_documents():
    before = time.time()
    f = parse.note_fields({"type": "Note", "contentMap": {"de": "<p>Hallo</p>"}})
    assert f["content"] == "<p>Hallo</p>" and f["language"] == "de"
    assert f["summary"] == "" and f["sensitive"] is False
    assert f["published"] >= before and f["updated"] is None
    assert f["mentions"] == [] and f["tags"] == [] and f["attachments"] == []
    assert parse.note_fields({"content": 5, "published": "yesterday"})["content"] == ""


def test_note_fields_article_name_becomes_a_title():
    f = parse.note_fields({"type": "Article", "name": "<script>x</script>Big <i>News</i>", "content": "<p>body</p>"})
    assert f["object_type"] == "Article"
    assert f["content"].startswith("<p><strong>Big News</strong></p>")
    assert f["content"].endswith("<p>body</p>")
    # With a link to the article the name is left to the link preview.
    linked = parse.note_fields({"type": "Article", "name": "T", "url": "https://r.test/a", "content": "<p>b</p>"})
    assert linked["content"] == "<p>b</p>"


def test_note_fields_article_title_is_text_not_markup():
    f = parse.note_fields({"type": "Article", "name": "Why &lt;em&gt; matters", "content": "<p>body</p>"})
    assert f["content"] == "<p><strong>Why &lt;em&gt; matters</strong></p><p>body</p>"


# render ---------------------------------------------------------------------------

URLS = Urls("https://local.test:8443")


def local(username: str, **extra) -> Account:
    return Account(id="100", uri=URLS.actor(username), username=username, domain=None,
                   public_key_pem="-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n",
                   created_at=1_700_000_000.0, updated_at=1_700_000_000.0, **extra)


def test_render_actor_shape():
    alice = local("alice", display_name="Alice", note="<p>bio</p>", locked=True,
                  fields=[{"name": "Web", "value": "<a href=\"https://a.test\">a</a>"}],
                  also_known_as=["https://old.test/users/alice"], avatar_url="https://local.test:8443/a.png")
    doc = render.actor(alice, URLS)
    assert doc["@context"][0] == vocab.AS_CONTEXT and vocab.SECURITY_CONTEXT in doc["@context"]
    assert doc["id"] == "https://local.test:8443/users/alice"
    assert doc["type"] == "Person" and doc["preferredUsername"] == "alice" and doc["name"] == "Alice"
    assert doc["inbox"] == doc["id"] + "/inbox" and doc["outbox"] == doc["id"] + "/outbox"
    assert doc["followers"] == doc["id"] + "/followers" and doc["following"] == doc["id"] + "/following"
    assert doc["endpoints"] == {"sharedInbox": "https://local.test:8443/inbox"}
    assert doc["publicKey"] == {"id": doc["id"] + "#main-key", "owner": doc["id"],
                                "publicKeyPem": alice.public_key_pem}
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Web", "value": "<a href=\"https://a.test\">a</a>"}]
    assert doc["alsoKnownAs"] == ["https://old.test/users/alice"]
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["icon"] == {"type": "Image", "url": "https://local.test:8443/a.png"}
    assert "image" not in doc
    assert doc["published"] == "2023-11-14T22:13:20Z"
    json.dumps(doc)  # serializable

    # What we render, we can read back.
    back = parse.actor_to_account(doc, "9")
    assert back.uri == alice.uri and back.domain == "local.test:8443"
    assert back.public_key_id == doc["publicKey"]["id"] and back.locked is True
    assert back.fields[0]["name"] == "Web"


def test_render_actor_professional_is_not_indexable():
    assert render.actor(local("alice"), URLS)["indexable"] is True
    assert render.actor(local("alice"), URLS, professional=True)["indexable"] is False
    assert render.actor(local("alice", discoverable=False), URLS)["indexable"] is False


@pytest.mark.parametrize("visibility", audience.VISIBILITIES)
def test_render_note_shape(visibility):
    alice = local("alice")
    bob = Account(id="200", uri=BOB, username="bob", domain="remote.test")
    st = Status(id="300", uri=URLS.status("alice", "300"), account_id=alice.id, local=True,
                visibility=visibility, published=1_700_000_000.0, url=URLS.status_html("alice", "300"),
                content="<p>hi @bob #cats</p>", source="hi @bob #cats", language="en",
                tags=["cats"], mention_ids=[bob.id], in_reply_to_uri=BOB + "/statuses/1",
                attachments=[{"type": "Document", "url": "https://local.test:8443/m.png", "blurhash": None}])
    doc = render.note(st, alice, URLS, mentioned=[bob])
    assert doc["id"] == "https://local.test:8443/users/alice/statuses/300"
    assert doc["type"] == "Note" and doc["attributedTo"] == alice.uri
    to, cc = addressing(visibility, URLS.followers("alice"), [BOB], local_public=URLS.local_public)
    assert (doc["to"], doc["cc"]) == (to, cc)
    if visibility == "local":  # addressed to this instance's own public only, never to bob
        assert (to, cc) == ([URLS.local_public], [])
    else:
        assert visibility_of(doc, URLS.followers("alice")) == visibility
    assert {"type": "Mention", "href": BOB, "name": "@bob@remote.test"} in doc["tag"]
    assert {"type": "Hashtag", "href": "https://local.test:8443/tags/cats", "name": "#cats"} in doc["tag"]
    assert doc["attachment"] == [{"type": "Document", "url": "https://local.test:8443/m.png"}]
    assert doc["inReplyTo"] == BOB + "/statuses/1"
    assert doc["published"] == "2023-11-14T22:13:20Z"
    assert doc["contentMap"] == {"en": doc["content"]}
    assert doc["source"] == {"content": "hi @bob #cats", "mediaType": "text/plain"}
    assert doc["replies"] == doc["id"] + "/replies"
    assert "updated" not in doc
    json.dumps(doc)

    # And the remote side reads the same things back.
    f = parse.note_fields(doc)
    assert f["mentions"] == [BOB] and f["tags"] == ["cats"] and f["in_reply_to"] == BOB + "/statuses/1"
    assert f["published"] == 1_700_000_000.0


def test_render_note_edited_and_cw():
    alice = local("alice")
    st = Status(id="1", uri=URLS.status("alice", "1"), account_id="100", local=True, visibility="public",
                published=1_700_000_000.0, content="<p>x</p>", summary="cw", sensitive=True,
                edited_at=1_700_000_060.0)
    doc = render.note(st, alice, URLS, mentioned=[])
    assert doc["summary"] == "cw" and doc["sensitive"] is True
    assert doc["updated"] == "2023-11-14T22:14:20Z"
    assert doc["tag"] == [] and "contentMap" not in doc and "source" not in doc


def test_render_local_mention_uses_local_domain():
    carol = local("carol")
    st = Status(id="1", uri=URLS.status("alice", "1"), account_id="100", local=True, visibility="direct",
                published=0.0)
    doc = render.note(st, local("alice"), URLS, mentioned=[carol])
    assert doc["tag"] == [{"type": "Mention", "href": carol.uri, "name": "@carol@local.test:8443"}]
    assert doc["to"] == [carol.uri] and doc["cc"] == []


def test_render_activity_and_tombstone():
    doc = render.activity("Delete", URLS.activity("5"), BOB, render.tombstone(BOB + "/s/1"),
                          to=[PUBLIC], cc=None, published=0.0, signature=None, summary="x")
    assert doc["@context"] == render.CONTEXT
    assert doc["id"] == "https://local.test:8443/activities/5" and doc["type"] == "Delete"
    assert doc["object"] == {"id": BOB + "/s/1", "type": "Tombstone", "formerType": "Note"}
    assert doc["to"] == [PUBLIC] and "cc" not in doc and "signature" not in doc
    assert doc["published"] == "1970-01-01T00:00:00Z" and doc["summary"] == "x"


def test_render_collections():
    coll = render.ordered_collection("https://l.test/c", 42, "https://l.test/c?page=1")
    assert coll["type"] == "OrderedCollection" and coll["totalItems"] == 42
    assert coll["first"] == "https://l.test/c?page=1" and "orderedItems" not in coll
    inline = render.ordered_collection("https://l.test/c", 2, None, items=["a", "b"])
    assert inline["orderedItems"] == ["a", "b"] and "first" not in inline

    page = render.collection_page("https://l.test/c?page=1", "https://l.test/c", ["a", "b"],
                                  "https://l.test/c?page=1&max_id=5", total=9)
    assert page["@context"] == render.CONTEXT
    assert page["type"] == "OrderedCollectionPage" and page["id"] == "https://l.test/c?page=1"
    assert page["partOf"] == "https://l.test/c" and page["orderedItems"] == ["a", "b"]
    assert page["next"] == "https://l.test/c?page=1&max_id=5" and page["totalItems"] == 9
    last = render.collection_page("https://l.test/c?page=2", "https://l.test/c", [], None)
    assert "next" not in last and "totalItems" not in last and last["orderedItems"] == []


def test_render_announce_addressing():
    f = URLS.followers("alice")
    assert render.announce_addressing("public", f, BOB) == ([PUBLIC], [f, BOB])
    assert render.announce_addressing("unlisted", f, BOB) == ([f], [PUBLIC, BOB])
    assert render.announce_addressing("private", f, BOB) == ([f], [BOB])


def test_render_iso():
    assert render.iso(None) is None
    assert render.iso(0) == "1970-01-01T00:00:00Z"

"""Mastodon client API entities: exact key sets, types and null-ness, against a real store."""

from __future__ import annotations

import re
import time

import pytest

from fedi import __version__
from fedi.api import entities, entities_instance, entities_notification, entities_status
from fedi.config import from_dict
from fedi.ids import new_id
from fedi.models import Account, Block, Follow, Notification, Status
from fedi.services import accounts, statuses
from fedi.services.state import State
from fedi.storage.interfaces import open_store
from fedi.urls import Urls
from tests.harness import scratch_store

BASE = "http://a.test:8301"
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MIDNIGHT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ACCOUNT_KEYS = {
    "id", "username", "acct", "url", "uri", "display_name", "note", "avatar", "avatar_static",
    "header", "header_static", "locked", "fields", "emojis", "bot", "group", "discoverable",
    "indexable", "created_at", "last_status_at", "statuses_count", "followers_count",
    "following_count", "hide_collections", "roles",
}
LOCAL_ACCOUNT_KEYS = ACCOUNT_KEYS | {"noindex"}
CREDENTIAL_ACCOUNT_KEYS = LOCAL_ACCOUNT_KEYS | {"source", "role"}
SOURCE_KEYS = {"note", "fields", "privacy", "sensitive", "language", "follow_requests_count",
               "hide_collections", "discoverable", "indexable"}
ROLE_KEYS = {"id", "name", "color", "permissions", "highlighted"}
FIELD_KEYS = {"name", "value", "verified_at"}
STATUS_KEYS = {
    "id", "uri", "url", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
    "media_attachments", "mentions", "tags", "emojis", "reblogs_count", "favourites_count",
    "replies_count", "in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card",
    "language", "text", "edited_at", "local_only",
}
VIEWER_KEYS = {"favourited", "reblogged", "muted", "bookmarked", "filtered"}
MEDIA_KEYS = {"id", "type", "url", "preview_url", "remote_url", "meta", "description", "blurhash"}
MENTION_KEYS = {"id", "username", "url", "acct"}
RELATIONSHIP_KEYS = {
    "id", "following", "showing_reblogs", "notifying", "languages", "followed_by", "blocking",
    "blocked_by", "muting", "muting_notifications", "requested", "requested_by", "domain_blocking",
    "endorsed", "note",
}
NOTIFICATION_KEYS = {"id", "type", "group_key", "created_at", "account"}
ALL = ("public", "unlisted", "private", "direct")


@pytest.fixture
async def state(tmp_path):
    async with scratch_store(tmp_path, "x") as store:
        yield State(config=from_dict({"instance": {"base_url": BASE}}), store=store, urls=Urls(BASE))


async def local(state, name: str) -> Account:
    return await accounts.create_local(state, name, f"{name}@a.test", "password123")


async def remote(state, name: str = "bob", domain: str = "remote.test", **extra) -> Account:
    now = time.time()
    acc = Account(
        id=new_id(), uri=f"https://{domain}/users/{name}", username=name, domain=domain,
        url=f"https://{domain}/@{name}", inbox_url=f"https://{domain}/users/{name}/inbox",
        created_at=now, updated_at=now, **extra,
    )
    await state.store.accounts.insert(acc)
    return acc


async def remote_status(state, author: Account, **extra) -> Status:
    now = time.time()
    sid = new_id()
    st = Status(id=sid, uri=f"https://{author.domain}/notes/{sid}", account_id=author.id, local=False,
                visibility=extra.pop("visibility", "public"), published=now, created_at=now,
                content="<p>remote</p>", **extra)
    assert await state.store.statuses.insert(st)
    return st


async def follow(state, a: Account, b: Account, accepted: bool = True) -> None:
    await state.store.follows.insert(Follow(
        id=new_id(), follower_id=a.id, target_id=b.id, state="accepted" if accepted else "pending",
        uri=f"{BASE}/follows/{new_id()}", created_at=time.time()))


def check_account_types(doc: dict) -> None:
    for key in ("id", "username", "acct", "url", "uri", "display_name", "note", "avatar",
                "avatar_static", "header", "header_static"):
        assert isinstance(doc[key], str), key
    for key in ("locked", "bot", "group", "discoverable", "indexable"):
        assert isinstance(doc[key], bool), key
    for key in ("statuses_count", "followers_count", "following_count"):
        assert type(doc[key]) is int, key
    assert MIDNIGHT_RE.match(doc["created_at"])
    assert doc["last_status_at"] is None or DATE_RE.match(doc["last_status_at"])
    assert doc["emojis"] == []
    for f in doc["fields"]:
        assert set(f) == FIELD_KEYS


def check_status_types(doc: dict) -> None:
    for key in ("id", "uri", "content", "visibility", "spoiler_text"):
        assert isinstance(doc[key], str), key
    for key in ("reblogs_count", "favourites_count", "replies_count"):
        assert type(doc[key]) is int, key
    assert isinstance(doc["sensitive"], bool)
    assert ISO_RE.match(doc["created_at"])
    assert doc["edited_at"] is None or ISO_RE.match(doc["edited_at"])
    assert doc["visibility"] in ALL
    assert doc["poll"] is None and doc["card"] is None and doc["emojis"] == []
    for key in ("in_reply_to_id", "in_reply_to_account_id"):
        assert doc[key] is None or isinstance(doc[key], str)


# Dates -------------------------------------------------------------------------------

def test_iso_and_date_only():
    assert entities.iso(None) is None and entities.date_only(None) is None
    assert entities.iso(0) == "1970-01-01T00:00:00.000Z"
    assert entities.iso(1795323508.1239) == "2026-11-22T04:58:28.123Z"
    assert entities.date_only(1795323508.1239) == "2026-11-22"
    assert ISO_RE.match(entities.iso(time.time()))


# Accounts ------------------------------------------------------------------------------

async def test_local_account(state):
    alice = await local(state, "alice")
    doc = await entities.account(state, alice)
    assert set(doc) == LOCAL_ACCOUNT_KEYS
    check_account_types(doc)
    assert doc["id"] == alice.id and doc["acct"] == "alice" and doc["username"] == "alice"
    assert doc["uri"] == f"{BASE}/users/alice" and doc["url"] == f"{BASE}/@alice"
    assert doc["avatar"] == doc["avatar_static"] == f"{BASE}/static/avatar.png"
    assert doc["header"] == doc["header_static"] == f"{BASE}/static/header.png"
    assert doc["noindex"] is False and doc["roles"] == [] and doc["hide_collections"] is False
    assert doc["group"] is False and doc["bot"] is False
    assert doc["last_status_at"] is None and doc["statuses_count"] == 0
    assert doc["created_at"] == entities.date_only(alice.created_at) + "T00:00:00.000Z"

    st = await statuses.create(state, alice, "first post")
    doc = await entities.account(state, alice)
    assert doc["statuses_count"] == 1
    assert doc["last_status_at"] == entities.date_only(st.published)


async def test_remote_account(state):
    bob = await remote(state, published="2020-05-04T12:34:56Z", actor_type="Group",
                       fields=[{"name": "Site", "value": "<a href=\"https://x.test\">x</a>"}],
                       avatar_url="https://remote.test/a.png")
    doc = await entities.account(state, bob)
    assert set(doc) == ACCOUNT_KEYS  # no `noindex` for remote accounts
    check_account_types(doc)
    assert doc["acct"] == "bob@remote.test"
    assert doc["created_at"] == "2020-05-04T00:00:00.000Z"
    assert doc["group"] is True and doc["roles"] == [] and doc["hide_collections"] is None
    assert doc["avatar"] == doc["avatar_static"] == "https://remote.test/a.png"
    assert doc["header"] == f"{BASE}/static/header.png"
    assert doc["fields"] == [{"name": "Site", "value": "<a href=\"https://x.test\">x</a>",
                              "verified_at": None}]
    assert "source" not in doc and "role" not in doc


async def test_counts_and_credential_account(state):
    alice, carol, dave = await local(state, "alice"), await local(state, "carol"), await local(state, "dave")
    bob = await remote(state)
    await follow(state, bob, alice)
    await follow(state, alice, carol)
    await follow(state, dave, alice, accepted=False)
    await state.store.accounts.update(
        alice.id, note="<p>Hello <b>there</b></p>",
        fields=[{"name": "Site", "value": "<a href=\"https://x.test\">x.test</a>"}])
    alice = await state.store.accounts.get(alice.id)

    doc = await entities.account(state, alice, source=True)
    assert set(doc) == CREDENTIAL_ACCOUNT_KEYS
    check_account_types(doc)
    assert (doc["followers_count"], doc["following_count"]) == (1, 1)
    assert doc["note"] == "<p>Hello <b>there</b></p>"
    src = doc["source"]
    assert set(src) == SOURCE_KEYS
    assert src["note"] == "Hello there" and src["privacy"] == "public"
    assert src["sensitive"] is False and src["language"] == ""
    assert src["follow_requests_count"] == 1
    # what the owner typed: a link field as its address, as Mastodon keeps it
    assert src["fields"] == [{"name": "Site", "value": "https://x.test", "verified_at": None}]
    assert isinstance(src["discoverable"], bool) and isinstance(src["indexable"], bool)
    assert set(doc["role"]) == ROLE_KEYS and isinstance(doc["role"]["permissions"], str)

    plain = await entities.account(state, alice)
    assert "source" not in plain and "role" not in plain


async def test_suspended_account_is_blanked(state):
    bob = await remote(state, display_name="Bob", suspended=True)
    doc = await entities.account(state, bob)
    assert set(doc) == ACCOUNT_KEYS | {"suspended"}
    assert doc["suspended"] is True and doc["display_name"] == "" and doc["fields"] == []


async def test_accounts_batch(state):
    alice, bob = await local(state, "alice"), await remote(state)
    docs = await entities.accounts(state, [alice, bob, alice])
    assert [d["id"] for d in docs] == [alice.id, bob.id, alice.id]


# Statuses ------------------------------------------------------------------------------

async def test_local_status_anonymous(state):
    alice, bob = await local(state, "alice"), await local(state, "bob")
    st = await statuses.create(state, alice, "hi @bob #Tea", summary="cw", language="en")
    doc = await entities_status.status(state, st, None)
    assert set(doc) == STATUS_KEYS | {"application"}  # no viewer flags for an anonymous reader
    check_status_types(doc)
    assert doc["id"] == st.id and doc["uri"] == st.uri and doc["url"] == st.url
    assert set(doc["account"]) == LOCAL_ACCOUNT_KEYS and doc["account"]["id"] == alice.id
    assert doc["application"] == {"name": "fedi", "website": None}
    assert doc["visibility"] == "public" and doc["spoiler_text"] == "cw" and doc["sensitive"] is True
    assert doc["language"] == "en" and doc["text"] is None and doc["reblog"] is None
    assert doc["mentions"] == [{"id": bob.id, "username": "bob", "url": f"{BASE}/@bob", "acct": "bob"}]
    assert doc["tags"] == [{"name": "Tea", "url": f"{BASE}/tags/tea"}]
    stored = await entities_status.status(state, await state.store.statuses.get(st.id), None)
    assert stored["tags"] == [{"name": "tea", "url": f"{BASE}/tags/tea"}]
    assert (doc["reblogs_count"], doc["favourites_count"], doc["replies_count"]) == (0, 0, 0)

    with_text = await entities_status.status(state, st, None, source_requested=True)
    assert with_text["text"] == "hi @bob #Tea"


async def test_remote_status_and_media(state):
    bob, alice = await remote(state), await local(state, "alice")
    attachments = [
        {"type": "Document", "url": "https://remote.test/m/1.jpg", "mediaType": "image/jpeg",
         "name": "a cat", "blurhash": "LEHV6nWB2yk8"},
        {"type": "Document", "url": "https://remote.test/m/2.mp4", "mediaType": "video/mp4", "name": ""},
        {"type": "Audio", "url": "https://remote.test/m/3", "mediaType": None, "name": ""},
        {"type": "Document", "url": "https://remote.test/m/4.pdf", "mediaType": "application/pdf"},
    ]
    st = await remote_status(state, bob, attachments=attachments, mention_ids=[alice.id])
    doc = await entities_status.status(state, st, None)
    assert set(doc) == STATUS_KEYS  # `application` is only shown for local posts
    check_status_types(doc)
    assert set(doc["account"]) == ACCOUNT_KEYS and doc["account"]["acct"] == "bob@remote.test"
    assert doc["mentions"] == [{"id": alice.id, "username": "alice", "url": f"{BASE}/@alice",
                                "acct": "alice"}]
    media = doc["media_attachments"]
    assert [set(m) for m in media] == [MEDIA_KEYS] * 4
    assert [m["type"] for m in media] == ["image", "video", "audio", "unknown"]
    assert all(isinstance(m["id"], str) for m in media) and len({m["id"] for m in media}) == 4
    image = media[0]
    assert image["url"] == image["remote_url"] == image["preview_url"] == "https://remote.test/m/1.jpg"
    assert image["description"] == "a cat" and image["blurhash"] == "LEHV6nWB2yk8"
    assert image["meta"] is None
    assert media[1]["description"] is None and media[1]["blurhash"] is None
    assert media[1]["preview_url"] is None


@pytest.mark.parametrize("visibility", ALL)
async def test_visibility(state, visibility):
    alice = await local(state, "alice")
    st = await statuses.create(state, alice, "x", visibility=visibility)
    assert (await entities_status.status(state, st, alice))["visibility"] == visibility


async def test_followers_only_is_private(state):
    alice = await local(state, "alice")
    st = await statuses.create(state, alice, "x", visibility="followers")
    assert (await entities_status.status(state, st, None))["visibility"] == "private"


async def test_viewer_flags_and_reblog(state):
    alice, bob = await local(state, "alice"), await local(state, "bob")
    st = await statuses.create(state, alice, "boost me")
    await statuses.favourite(state, bob, st)
    boost = await statuses.reblog(state, bob, st)
    await statuses.create(state, bob, "a reply", in_reply_to=st)

    doc = await entities_status.status(state, st, bob)
    assert set(doc) == STATUS_KEYS | VIEWER_KEYS | {"application"}  # not bob's: no `pinned`
    assert doc["favourited"] is True and doc["reblogged"] is True
    assert doc["muted"] is False and doc["bookmarked"] is False and doc["filtered"] == []
    assert (doc["favourites_count"], doc["reblogs_count"], doc["replies_count"]) == (1, 1, 1)

    own = await entities_status.status(state, st, alice)
    assert set(own) == STATUS_KEYS | VIEWER_KEYS | {"application", "pinned"}
    assert own["pinned"] is False and own["favourited"] is False
    await state.store.pins.add(alice.id, st.id)
    assert (await entities_status.status(state, st, alice))["pinned"] is True

    anon = await entities_status.status(state, boost, None)
    assert set(anon) == STATUS_KEYS and set(anon["reblog"]) == STATUS_KEYS | {"application"}
    assert anon["reblog"]["id"] == st.id and anon["account"]["id"] == bob.id
    assert anon["content"] == "" and anon["id"] == boost.id
    check_status_types(anon)
    check_status_types(anon["reblog"])

    wrapped = await entities_status.status(state, boost, bob)
    assert set(wrapped) == STATUS_KEYS | VIEWER_KEYS  # a boost is never pinnable
    assert wrapped["reblogged"] is True and wrapped["favourited"] is True
    assert wrapped["reblog"]["reblogged"] is True


async def test_reply_ids(state):
    alice, bob = await local(state, "alice"), await local(state, "bob")
    st = await statuses.create(state, alice, "parent")
    reply = await statuses.create(state, bob, "child", in_reply_to=st)
    doc = await entities_status.status(state, reply, None)
    assert doc["in_reply_to_id"] == st.id and doc["in_reply_to_account_id"] == alice.id


async def test_statuses_batch(state):
    alice, bob = await local(state, "alice"), await remote(state)
    a = await statuses.create(state, alice, "one")
    b = await remote_status(state, bob)
    boost = await statuses.reblog(state, alice, b)
    docs = await entities_status.statuses(state, [boost, a, b], alice)
    assert [d["id"] for d in docs] == [boost.id, a.id, b.id]
    assert docs[0]["reblog"]["id"] == b.id and docs[0]["reblog"]["account"]["acct"] == "bob@remote.test"
    assert "pinned" in docs[1] and "pinned" not in docs[2]
    assert docs[1]["account"] == docs[0]["account"]

    await state.store.statuses.delete(b.id)
    docs = await entities_status.statuses(state, [boost, a], None)
    assert [d["id"] for d in docs] == [a.id]  # a boost of a vanished post is left out
    assert await entities_status.status(state, boost, None) is None


async def test_context_and_tag(state):
    assert entities.context([], []) == {"ancestors": [], "descendants": []}
    tag = entities.tag(state, "Tea")
    assert set(tag) == {"name", "url", "history"} and tag["url"] == f"{BASE}/tags/tea"
    assert set(entities.tag(state, "tea", following=True)) == {"name", "url", "history", "following"}


# Relationships ---------------------------------------------------------------------------

async def test_relationship(state):
    alice, bob, carol = await local(state, "alice"), await remote(state), await local(state, "carol")
    rel = await entities.relationship(state, alice, bob)
    assert set(rel) == RELATIONSHIP_KEYS
    assert rel["id"] == bob.id and rel["languages"] is None and rel["note"] == ""
    assert all(rel[k] is False for k in RELATIONSHIP_KEYS - {"id", "languages", "note"})

    await follow(state, alice, bob)
    await follow(state, bob, alice, accepted=False)
    rel = await entities.relationship(state, alice, bob)
    assert rel["following"] is True and rel["showing_reblogs"] is True and rel["requested"] is False
    assert rel["followed_by"] is False and rel["requested_by"] is True

    await follow(state, alice, carol, accepted=False)
    await state.store.blocks.insert(Block(id=new_id(), account_id=carol.id, target_id=alice.id,
                                          uri=f"{BASE}/blocks/1", created_at=time.time()))
    rel = await entities.relationship(state, alice, carol)
    assert rel["requested"] is True and rel["following"] is False
    assert rel["blocked_by"] is True and rel["blocking"] is False
    back = await entities.relationship(state, carol, alice)
    assert back["blocking"] is True and back["requested_by"] is True and back["followed_by"] is False


# Notifications ---------------------------------------------------------------------------

async def test_notifications(state):
    alice, bob = await local(state, "alice"), await local(state, "bob")
    st = await statuses.create(state, alice, "hello @bob")
    [mention] = await state.store.notifications.list(bob.id)
    doc = await entities_notification.notification(state, mention, bob)
    assert set(doc) == NOTIFICATION_KEYS | {"status"}
    assert isinstance(doc["id"], str) and doc["id"] == mention.id
    assert doc["type"] == "mention" and doc["group_key"] == f"ungrouped-{mention.id}"
    assert ISO_RE.match(doc["created_at"]) and doc["account"]["id"] == alice.id
    assert doc["status"]["id"] == st.id and "favourited" in doc["status"]

    follow_n = Notification(id=new_id(), account_id=alice.id, type="follow", from_account_id=bob.id,
                            created_at=time.time())
    doc = await entities_notification.notification(state, follow_n, alice)
    assert set(doc) == NOTIFICATION_KEYS and doc["type"] == "follow"

    gone = Notification(id=new_id(), account_id=alice.id, type="favourite", from_account_id=bob.id,
                        status_id="1", created_at=time.time())
    assert await entities_notification.notification(state, gone, alice) is None
    docs = await entities_notification.notifications(state, [follow_n, gone, mention], alice)
    assert [d["id"] for d in docs] == [follow_n.id, mention.id]


# Applications, errors, tokens ----------------------------------------------------------------

def test_application_error_token():
    assert entities.application("App", None) == {"name": "App", "website": None}
    app = entities.application("App", "https://app.test", id="7", scopes="read write",
                               redirect_uris="urn:ietf:wg:oauth:2.0:oob")
    assert set(app) == {"id", "name", "website", "scopes", "redirect_uris", "redirect_uri", "vapid_key"}
    assert app["scopes"] == ["read", "write"] and app["redirect_uris"] == ["urn:ietf:wg:oauth:2.0:oob"]
    cred = entities.application("App", "", "cid", "secret", id="7", scopes=["read"], redirect_uris=[])
    assert cred["client_id"] == "cid" and cred["client_secret"] == "secret" and cred["website"] is None

    assert entities.error("nope") == {"error": "nope"}
    assert entities.error("invalid_grant", "bad code") == {"error": "invalid_grant",
                                                          "error_description": "bad code"}
    tok = entities.token("abc", "read", 1700000000.7)
    assert tok == {"access_token": "abc", "token_type": "Bearer", "scope": "read", "created_at": 1700000000}


# Instance ------------------------------------------------------------------------------------

V1_KEYS = {"uri", "title", "short_description", "description", "email", "version", "urls", "stats",
           "thumbnail", "languages", "registrations", "approval_required", "invites_enabled",
           "configuration", "contact_account", "rules"}
V2_KEYS = {"domain", "title", "version", "source_url", "description", "usage", "thumbnail", "icon",
           "languages", "configuration", "registrations", "api_versions", "contact", "rules", "fedi"}
STATUS_CONF = {"max_characters", "max_media_attachments", "characters_reserved_per_url"}
MEDIA_CONF = {"supported_mime_types", "image_size_limit", "image_matrix_limit", "video_size_limit",
              "video_frame_rate_limit", "video_matrix_limit"}
POLL_CONF = {"max_options", "max_characters_per_option", "min_expiration", "max_expiration"}


async def test_instance_v1(state):
    alice = await local(state, "alice")
    await remote(state)
    await statuses.create(state, alice, "x")
    doc = await entities_instance.instance_v1(state)
    assert set(doc) == V1_KEYS
    assert doc["uri"] == "a.test:8301" and doc["version"] == f"4.3.0 (compatible; fedi {__version__})"
    assert doc["urls"] == {"streaming_api": "ws://a.test:8301"}
    assert doc["stats"] == {"user_count": 1, "status_count": 1, "domain_count": 1}
    assert doc["thumbnail"] is None and doc["contact_account"] is None and doc["rules"] == []
    assert doc["registrations"] is True and doc["approval_required"] is False
    assert doc["invites_enabled"] is False
    conf = doc["configuration"]
    assert set(conf) == {"accounts", "statuses", "media_attachments", "polls"}
    assert conf["accounts"] == {"max_featured_tags": 10}
    assert set(conf["statuses"]) == STATUS_CONF and conf["statuses"]["max_characters"] == 5000
    assert set(conf["media_attachments"]) == MEDIA_CONF and set(conf["polls"]) == POLL_CONF


async def test_instance_v2(state):
    doc = await entities_instance.instance_v2(state)
    assert set(doc) == V2_KEYS
    assert doc["domain"] == "a.test:8301" and doc["version"].startswith("4.3.0 (compatible; fedi ")
    assert doc["usage"] == {"users": {"active_month": 0}}
    assert set(doc["thumbnail"]) == {"url"} and isinstance(doc["thumbnail"]["url"], str)
    assert doc["icon"] == [] and doc["api_versions"] == {"mastodon": 2}
    assert doc["contact"] == {"email": "", "account": None} and doc["fedi"] == {"kind": "personal"}
    assert doc["registrations"] == {"enabled": True, "approval_required": False, "message": None,
                                    "url": None}
    conf = doc["configuration"]
    assert set(conf) == {"urls", "vapid", "accounts", "statuses", "media_attachments", "polls",
                         "translation"}
    assert conf["urls"] == {"streaming": "ws://a.test:8301", "status": None}
    assert conf["vapid"] == {"public_key": ""} and conf["translation"] == {"enabled": False}
    assert conf["accounts"] == {"max_featured_tags": 10, "max_pinned_statuses": 5}
    assert set(conf["statuses"]) == STATUS_CONF and set(conf["media_attachments"]) == MEDIA_CONF
    assert set(conf["polls"]) == POLL_CONF


async def test_instance_registration_modes(tmp_path):
    store = await open_store(str(tmp_path / "y.sqlite3"))
    try:
        cfg = from_dict({"instance": {"base_url": "https://b.test", "registrations": "approval",
                                      "kind": "professional"}})
        st = State(config=cfg, store=store, urls=Urls("https://b.test"))
        v1, v2 = await entities_instance.instance_v1(st), await entities_instance.instance_v2(st)
        assert v1["registrations"] is True and v1["approval_required"] is True
        assert v1["urls"]["streaming_api"] == "wss://b.test"
        assert v2["registrations"]["approval_required"] is True and v2["fedi"] == {"kind": "professional"}
        cfg = from_dict({"instance": {"base_url": "https://b.test", "registrations": "closed"}})
        st = State(config=cfg, store=store, urls=Urls("https://b.test"))
        assert (await entities_instance.instance_v1(st))["registrations"] is False
        assert (await entities_instance.instance_v2(st))["registrations"]["enabled"] is False
    finally:
        await store.close()

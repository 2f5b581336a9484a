"""Inbox intake, in the order the spec gives it.

1. a body over 1 MiB is refused (413) before it is parsed;
2. malformed, non-object or absurdly deep JSON is a 400, never a 500;
3. an unsigned or badly signed POST is a 401 and nothing is stored;
4. a replayed activity id is accepted (202) but processed once;
5. the activity's actor must be the signer; objects on other hosts are fetched from
   their origin; blocked (or, in allowlist mode, unlisted) domains get 403.

The remote side is always a real fedi instance whose actor documents and keys are
fetched over HTTP by the receiving instance.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpsig
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from fedi.activitypub.keys import generate_keypair
from fedi.activitypub.rfc9421 import sign_request_rfc9421
from fedi.activitypub.signatures import digest_header, http_date, sign_request
from fedi.activitypub.vocab import PUBLIC
from fedi.federation.inbox import INBOX_QUEUE
from fedi.services import moderation

MIB = 1024 * 1024
AP_JSON = {"Content-Type": "application/activity+json"}


@dataclass
class Remote:
    """A user of a running fedi instance, able to sign as that user."""

    inst: object
    username: str
    actor: str
    key_id: str
    private_pem: str

    def create(self, content: str, to: list[str], *, n: int = 1, **object_extra) -> dict:
        note = f"{self.actor}/statuses/9{n:05d}"
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note}/activity", "type": "Create", "actor": self.actor, "to": to,
            "object": {"id": note, "type": "Note", "attributedTo": self.actor, "content": content,
                       "to": to, "published": "2026-01-01T00:00:00Z", **object_extra},
        }


async def _remote(inst, username: str) -> Remote:
    account = await inst.user(username)
    user = await inst.state.store.users.get(account.id)
    return Remote(inst, username, inst.actor(username), inst.state.urls.key_id(username), user.private_key_pem)


async def _post(session, url: str, body: bytes, headers: dict) -> tuple[int, str]:
    async with session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.text()


async def _deliver(target, url: str, activity, signer: Remote | None, **kw) -> tuple[int, str]:
    """POST `activity` (a dict or raw bytes) to `url`, signed draft-cavage by `signer`."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    headers = dict(AP_JSON)
    if "at" in kw:
        headers["Date"] = http_date(kw.pop("at"))
    if signer is not None:
        headers = sign_request("POST", url, headers, body, kw.pop("key_id", signer.key_id),
                               kw.pop("private_pem", signer.private_pem))
    headers.update(kw.pop("headers", {}))
    return await _post(target.session, url, kw.pop("send_body", body), headers)


@dataclass
class _Message:
    method: str
    url: str
    headers: dict = field(default_factory=dict)


def _sign_rfc9421_at(url: str, body: bytes, remote: Remote, created: float) -> dict:
    """An RFC 9421 signature made with the independent http-message-signatures package."""
    host = url.split("/")[2]
    message = _Message("POST", url, {**AP_JSON, "Host": host, "Date": http_date(created)})
    key = load_pem_private_key(remote.private_pem.encode(), password=None)
    HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={remote.key_id: key}),
    ).sign(message, key_id=remote.key_id, created=datetime.fromtimestamp(created, tz=UTC),
           label="sig1", covered_component_ids=("@method", "@target-uri", "date"), body=body)
    return message.headers


async def _stored_jobs(inst) -> dict:
    return (await inst.state.store.jobs.counts()).get(INBOX_QUEUE, {})


async def _nothing_stored(inst, *note_uris) -> None:
    assert await inst.state.store.jobs.pending(INBOX_QUEUE) == 0
    assert await _stored_jobs(inst) == {}
    for uri in note_uris:
        assert await inst.state.store.statuses.by_uri(uri) is None


async def _setup(fed, **federation):
    home = await fed.start("home.test", "personal", federation=federation)
    remote = await fed.start("remote.test", "personal")
    await home.user("alice")
    carol = await _remote(remote, "carol")
    return home, carol


# --------------------------------------------------------------------------- 1. size


async def test_body_over_one_mib_is_413_before_parsing(fed):
    home, carol = await _setup(fed)
    # Not JSON at all: a 400 would mean it was parsed before the size was checked.
    too_big = b"{" + b" " * MIB
    for url in (f"{home.base}/inbox", f"{home.base}/users/alice/inbox"):
        status, text = await _deliver(home, url, too_big, carol)
        assert status == 413, (url, status, text)
        assert "too large" in json.loads(text)["error"]

    # Without a Content-Length (chunked) the cap holds while streaming.
    async def chunks():
        yield b"{"
        for _ in range(20):
            yield b" " * (MIB // 16)
            await asyncio.sleep(0)

    async with home.session.post(f"{home.base}/inbox", data=chunks(), headers=AP_JSON) as resp:
        assert resp.status == 413
        assert "too large" in (await resp.json(content_type=None))["error"]

    # Exactly 1 MiB is within the cap: it gets as far as the JSON parser.
    status, _ = await _deliver(home, f"{home.base}/inbox", b"{" + b" " * (MIB - 1), carol)
    assert status == 400
    await _nothing_stored(home)


# --------------------------------------------------------------------------- 2. JSON


async def test_malformed_non_object_and_deep_json_is_400(fed):
    home, carol = await _setup(fed)
    deep = 10_000
    bodies = [
        b"{not json",
        b"",
        b"\xff\xfe{}",
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b"42",
        b"[" * deep + b"]" * deep,
        b'{"type": "Create", "object": ' + b"[" * deep + b"]" * deep + b"}",
        b'{"a": ' + b'{"a": ' * deep + b"1" + b"}" * deep + b"}",
        # Deep, yet well under Python's recursion limit: caught by the depth check.
        b'{"type": "Note", "tag": ' + b"[" * 200 + b"]" * 200 + b"}",
    ]
    for body in bodies:
        # Properly signed, so that a 400 cannot be a signature problem in disguise.
        status, text = await _deliver(home, f"{home.base}/inbox", body, carol)
        assert status == 400, (body[:40], status, text)
        assert "error" in json.loads(text)
        status, _ = await _deliver(home, f"{home.base}/users/alice/inbox", body, None)
        assert status == 400, body[:40]

    # An object without an actor is refused too.
    status, _ = await _deliver(home, f"{home.base}/inbox", {"type": "Create", "id": carol.actor + "/x"}, carol)
    assert status == 400
    await _nothing_stored(home)


# --------------------------------------------------------------------------- 3. signatures


async def test_unsigned_or_badly_signed_posts_are_401_and_store_nothing(fed):
    home, carol = await _setup(fed)
    inbox = f"{home.base}/inbox"
    activity = carol.create("hello alice", [PUBLIC, home.actor("alice")])
    note = activity["object"]["id"]
    body = json.dumps(activity).encode()
    other_private, _ = generate_keypair()

    attempts = {
        "unsigned": await _deliver(home, inbox, activity, None),
        "signed with another key": await _deliver(home, inbox, activity, carol, private_pem=other_private),
        "body changed after signing": await _deliver(
            home, inbox, activity, carol, send_body=body.replace(b"hello", b"HELLO")),
        "digest matches, signature does not": await _deliver(
            home, inbox, activity, carol,
            send_body=body.replace(b"hello", b"HELLO"),
            headers={"Digest": digest_header(body.replace(b"hello", b"HELLO"))}),
        "garbage signature": await _deliver(home, inbox, activity, None, headers={
            "Signature": 'keyId="nope",signature="%%%"', "Date": http_date()}),
        "signed for another path": await _deliver(
            home, inbox, activity, carol, headers=sign_request(
                "POST", f"{home.base}/users/alice/inbox", dict(AP_JSON), body, carol.key_id, carol.private_pem)),
        "unknown key": await _deliver(home, inbox, activity, carol, key_id=f"{carol.inst.base}/users/nobody#main-key"),
    }
    for what, (status, text) in attempts.items():
        assert status == 401, (what, status, text)
        assert "error" in json.loads(text), what
    await fed.settle()
    await _nothing_stored(home, note)

    # The same activity, properly signed, goes through: the refusals above were about the signature.
    status, text = await _deliver(home, inbox, activity, carol)
    assert status == 202, text
    await fed.settle()
    stored = await home.state.store.statuses.by_uri(note)
    assert stored is not None and "hello alice" in stored.content


async def test_stale_date_is_401(fed):
    home, carol = await _setup(fed)
    inbox = f"{home.base}/inbox"
    activity = carol.create("from the past", [PUBLIC])
    body = json.dumps(activity).encode()
    stale = time.time() - 2 * 3600

    # draft-cavage with a signed Date two hours old (an hour is allowed either way)
    headers = sign_request("POST", inbox, {**AP_JSON, "Date": http_date(stale)}, body,
                           carol.key_id, carol.private_pem)
    status, text = await _post(home.session, inbox, body, headers)
    assert status == 401, text
    assert "too old" in text

    # RFC 9421 with a `created` two hours old
    status, text = await _post(home.session, inbox, body, _sign_rfc9421_at(inbox, body, carol, stale))
    assert status == 401, text

    # A Date in the future beyond the allowed skew
    headers = sign_request("POST", inbox, {**AP_JSON, "Date": http_date(time.time() + 2 * 3600)}, body,
                           carol.key_id, carol.private_pem)
    status, _ = await _post(home.session, inbox, body, headers)
    assert status == 401
    await fed.settle()
    await _nothing_stored(home, activity["object"]["id"])

    # 50 minutes old is still inside the window.
    status, text = await _post(home.session, inbox, body,
                               _sign_rfc9421_at(inbox, body, carol, time.time() - 50 * 60))
    assert status == 202, text


# --------------------------------------------------------------------------- 4. replay


async def test_replayed_activity_is_accepted_but_processed_once(fed):
    home, carol = await _setup(fed)
    alice_token = await home.token("alice")
    activity = carol.create("only once", [home.actor("alice")])
    note = activity["object"]["id"]

    now = int(time.time())
    for n in range(3):  # re-deliveries, each signed anew, arrive before the first copy is processed
        status, text = await _deliver(home, f"{home.base}/users/alice/inbox", activity, carol, at=now - n)
        assert status == 202, text
    assert await home.state.store.jobs.pending(INBOX_QUEUE) == 1
    await fed.settle()

    # A later replay of the same id, even with other content and to another inbox, is a no-op.
    replay = json.loads(json.dumps(activity))
    replay["object"]["content"] = "changed on the way"
    status, _ = await _deliver(home, f"{home.base}/inbox", replay, carol, at=now - 10)
    assert status == 202
    await fed.settle()

    assert await _stored_jobs(home) == {"done": 1}
    stored = await home.state.store.statuses.by_uri(note)
    assert stored is not None and "only once" in stored.content
    creates = [i for i in await home.inbox_items("alice", alice_token) if i["type"] == "Create"]
    assert [c["id"] for c in creates] == [activity["id"]]


# --------------------------------------------------------------------------- 5. origin


async def test_actor_must_be_the_signer(fed):
    home, carol = await _setup(fed)
    dave = await _remote(carol.inst, "dave")
    # Signed by carol, claiming to be dave (same host, so no domain rule gets in the way).
    forged = dave.create("words put in dave's mouth", [PUBLIC, home.actor("alice")])
    status, text = await _deliver(home, f"{home.base}/inbox", forged, carol)
    assert status == 401, text
    assert "actor" in json.loads(text)["error"]

    # Signed by carol as carol, but with an activity id on someone else's host.
    misplaced = carol.create("misplaced", [PUBLIC])
    misplaced["id"] = f"{home.base}/activities/123"
    status, _ = await _deliver(home, f"{home.base}/inbox", misplaced, carol)
    assert status == 400
    await fed.settle()
    await _nothing_stored(home, forged["object"]["id"], misplaced["object"]["id"])


async def test_object_on_another_host_is_fetched_from_its_origin(fed):
    home, carol = await _setup(fed)
    third = await fed.start("third.test", "personal")
    await third.user("dave")
    status, body, location = await third.post_outbox("dave", await third.token("dave"), {
        "type": "Note", "content": "genuine words", "to": [PUBLIC]})
    assert status == 201, body
    dave_note = location[: -len("/activity")]
    await fed.settle()

    # carol (remote.test) sends a Create embedding a copy of dave's note (third.test) with
    # altered content: the embedded copy must not be believed.
    forged = carol.create("forged words", [PUBLIC, home.actor("alice")])
    forged["object"].update(id=dave_note, attributedTo=third.actor("dave"))
    # And one embedding a note that does not exist at its claimed origin.
    phantom = carol.create("phantom words", [PUBLIC, home.actor("alice")], n=2)
    phantom["object"]["id"] = f"{third.actor('dave')}/statuses/404404"
    for activity in (forged, phantom):
        status, text = await _deliver(home, f"{home.base}/inbox", activity, carol)
        assert status == 202, text  # signed by its actor: accepted for processing
    await fed.settle()

    stored = await home.state.store.statuses.by_uri(dave_note)
    assert stored is None or "genuine words" in stored.content
    assert await home.state.store.statuses.by_uri(phantom["object"]["id"]) is None
    # The phantom was looked up at its origin, which said 404: that job failed for good.
    assert await _stored_jobs(home) == {"done": 1, "failed": 1}
    alice_token = await home.token("alice")
    assert not any("forged" in json.dumps(i) or "phantom" in json.dumps(i)
                   for i in await home.inbox_items("alice", alice_token))


async def test_blocked_domain_is_403_and_nothing_is_stored(fed):
    home = await fed.start("home.test", "personal", federation={"blocked_domains": ["evil.test"]})
    await home.user("alice")
    # "evil.test." (fully qualified, with the root's trailing dot) is the same server.
    for name in ("evil.test", "sub.evil.test", "evil.test."):
        evil = await fed.start(name, "personal")
        mallory = await _remote(evil, "mallory")
        activity = mallory.create("spam", [PUBLIC, home.actor("alice")])
        for url in (f"{home.base}/inbox", f"{home.base}/users/alice/inbox"):
            status, text = await _deliver(home, url, activity, mallory)
            assert status == 403, (name, url, status, text)
        await fed.settle()
        await _nothing_stored(home, activity["object"]["id"])
        # Refused before the key was fetched: the blocked actor is unknown here.
        assert await home.state.store.accounts.by_uri(mallory.actor) is None

    # A domain that merely ends with the same letters is not blocked.
    fine = await fed.start("notevil.test", "personal")
    ok = await _remote(fine, "olive")
    status, text = await _deliver(home, f"{home.base}/inbox", ok.create("hi", [PUBLIC]), ok)
    assert status == 202, text


async def test_allowlist_mode_refuses_other_domains(fed):
    home = await fed.start("home.test", "personal",
                           federation={"allowlist_mode": True, "allowed_domains": ["friend.test"]})
    await home.user("alice")
    remote = await fed.start("remote.test", "personal")
    friend = await fed.start("friend.test", "personal")
    carol = await _remote(remote, "carol")
    frank = await _remote(friend, "frank")

    stranger = carol.create("let me in", [PUBLIC, home.actor("alice")])
    status, text = await _deliver(home, f"{home.base}/inbox", stranger, carol)
    assert status == 403, text
    welcome = frank.create("hello from a friend", [PUBLIC, home.actor("alice")])
    status, text = await _deliver(home, f"{home.base}/inbox", welcome, frank)
    assert status == 202, text
    await fed.settle()

    assert await home.state.store.statuses.by_uri(stranger["object"]["id"]) is None
    assert await home.state.store.accounts.by_uri(carol.actor) is None
    assert await home.state.store.statuses.by_uri(welcome["object"]["id"]) is not None


async def test_unknown_activity_type_is_accepted_and_ignored(fed):
    home, carol = await _setup(fed)
    before = await home.state.store.statuses.count_local()
    for n, activity in enumerate(({"type": "Dance", "object": home.actor("alice")},
                                  {"type": ["Dance", "Celebrate"], "object": {"type": "Party"}},
                                  {"object": "no type at all"})):
        activity.update({"@context": "https://www.w3.org/ns/activitystreams",
                         "id": f"{carol.actor}#dance-{n}", "actor": carol.actor})
        status, text = await _deliver(home, f"{home.base}/users/alice/inbox", activity, carol)
        assert status == 202, text
    await fed.settle()
    # Processed without error: the jobs are done, not failed or retried, and nothing changed.
    assert await _stored_jobs(home) == {"done": 3}
    assert await home.state.store.statuses.count_local() == before
    items = await home.inbox_items("alice", await home.token("alice"))
    assert items == []


# --------------------------------------------------------------------------- other signers


async def test_post_signed_with_the_httpsig_package_is_accepted(fed):
    home, carol = await _setup(fed)
    activity = carol.create("signed by httpsig", [PUBLIC, home.actor("alice")])
    body = json.dumps(activity).encode()
    path = "/users/alice/inbox"
    headers = {**AP_JSON, "Host": home.domain, "Date": http_date(), "Digest": digest_header(body)}
    signer = httpsig.HeaderSigner(carol.key_id, carol.private_pem, algorithm="rsa-sha256",
                                  headers=["(request-target)", "host", "date", "digest"],
                                  sign_header="signature")
    signed = dict(signer.sign(headers, host=home.domain, method="POST", path=path))
    assert "signature" in {k.lower() for k in signed}

    status, text = await _post(home.session, home.base + path, body, signed)
    assert status == 202, text
    await fed.settle()
    stored = await home.state.store.statuses.by_uri(activity["object"]["id"])
    assert stored is not None and "signed by httpsig" in stored.content


async def test_rfc9421_signed_post(fed):
    home, carol = await _setup(fed)
    inbox = f"{home.base}/inbox"
    activity = carol.create("signed per RFC 9421", [PUBLIC])
    body = json.dumps(activity).encode()

    # Tampered body: the Content-Digest no longer matches.
    headers = sign_request_rfc9421("POST", inbox, dict(AP_JSON), body, carol.key_id, carol.private_pem)
    status, text = await _post(home.session, inbox, body.replace(b"signed", b"forged"), headers)
    assert status == 401, text
    # Signed by another key under carol's key id.
    other_private, _ = generate_keypair()
    headers = sign_request_rfc9421("POST", inbox, dict(AP_JSON), body, carol.key_id, other_private)
    status, _ = await _post(home.session, inbox, body, headers)
    assert status == 401
    await fed.settle()
    await _nothing_stored(home, activity["object"]["id"])

    # fedi's own signer, and the independent http-message-signatures package.
    headers = sign_request_rfc9421("POST", inbox, dict(AP_JSON), body, carol.key_id, carol.private_pem)
    assert "Signature-Input" in headers and "Content-Digest" in headers
    status, text = await _post(home.session, inbox, body, headers)
    assert status == 202, text
    second = carol.create("also per RFC 9421", [PUBLIC], n=2)
    second_body = json.dumps(second).encode()
    status, text = await _post(home.session, inbox, second_body,
                               _sign_rfc9421_at(inbox, second_body, carol, time.time()))
    assert status == 202, text
    await fed.settle()
    for doc, text in ((activity, "signed per RFC 9421"), (second, "also per RFC 9421")):
        stored = await home.state.store.statuses.by_uri(doc["object"]["id"])
        assert stored is not None and text in stored.content


async def test_a_suspended_accounts_inbox_is_gone_like_its_actor(fed):
    home, carol = await _setup(fed)
    admin = await home.user("moderator1", admin=True)
    alice = await home.state.store.accounts.by_handle("alice", None)
    await moderation.suspend(home.state, admin, alice.id)
    async with home.session.get(home.actor("alice"), headers={"Accept": "application/activity+json"}) as resp:
        assert resp.status == 404
    activity = carol.create("to a suspended account", [home.actor("alice")])
    status, _ = await _deliver(home, f"{home.base}/users/alice/inbox", activity, carol)
    assert status == 404
    await _nothing_stored(home, activity["object"]["id"])
    await moderation.unsuspend(home.state, admin, alice.id)
    status, _ = await _deliver(home, f"{home.base}/users/alice/inbox", activity, carol)
    assert status == 202

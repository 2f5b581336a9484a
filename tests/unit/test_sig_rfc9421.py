"""RFC 9421 HTTP Message Signatures, cross-checked with http-message-signatures."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

from fedi.activitypub.keys import generate_keypair, load_private_key
from fedi.activitypub.rfc9421 import content_digest_header, sign_request_rfc9421
from fedi.activitypub.signatures import SignatureError, http_date
from fedi.activitypub.verifier import SignatureVerifier, VerifiedSignature

NOW = 1_750_000_000
KEY_ID = "https://remote.example/users/alice#main-key"
OWNER = "https://remote.example/users/alice"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'

PRIV, PUB = generate_keypair()
OTHER_PRIV, OTHER_PUB = generate_keypair()
ED_PRIV = ed25519.Ed25519PrivateKey.generate()
ED_PUB_PEM = (
    ED_PRIV.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@dataclass
class Request:
    method: str
    url: str
    headers: dict = field(default_factory=dict)


class Keys:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id, refresh):
        self.calls.append((key_id, refresh))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def fingerprint(headers) -> str:
    """SHA-256 of the sig1 signature bytes, read from the header independently of fedi."""
    value = dict(headers)["Signature"]
    return hashlib.sha256(base64.b64decode(value.split("=:", 1)[1].rstrip(":"))).hexdigest()


def package_sign(
    *,
    method="POST",
    url="https://local.example/inbox",
    body=BODY,
    components=("@method", "@target-uri"),
    created=NOW,
    key=None,
    algorithm=algorithms.RSA_V1_5_SHA256,
    headers=None,
    label="sig1",
    **options,
):
    request = Request(method, url, dict(headers or {"Content-Type": "application/activity+json"}))
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={KEY_ID: key or load_private_key(PRIV)}
        ),
    )
    signer.sign(
        request,
        key_id=KEY_ID,
        created=datetime.fromtimestamp(created, tz=timezone.utc),
        covered_component_ids=components,
        body=body,
        label=label,
        **options,
    )
    return request.headers


async def verify(headers, body=BODY, *, keys=None, method="POST", path="/inbox", now=NOW, **kw):
    keys = keys or Keys((OWNER, PUB))
    return await SignatureVerifier(keys, clock=lambda: now).verify(
        method, path, headers, body, **{"authority": "local.example", **kw}
    )


# ------------------------------------------------------------------- signing


def test_sign_request_rfc9421_shape():
    out = sign_request_rfc9421("POST", "https://remote.example/inbox", {}, BODY, KEY_ID, PRIV)
    assert out["Host"] == "remote.example"
    assert "Date" in out
    digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert out["Content-Digest"] == f"sha-256=:{digest}:" == content_digest_header(BODY)
    sig_input = out["Signature-Input"]
    assert sig_input.startswith('sig1=("@method" "@target-uri" "date" "content-digest");created=')
    assert f'keyid="{KEY_ID}"' in sig_input and 'alg="rsa-v1_5-sha256"' in sig_input
    assert out["Signature"].startswith("sig1=:")

    get = sign_request_rfc9421("GET", "https://remote.example/u", {}, None, KEY_ID, PRIV)
    assert "Content-Digest" not in get
    assert get["Signature-Input"].startswith('sig1=("@method" "@target-uri" "date");')


def test_fedi_signature_verifies_with_package():
    url = "https://remote.example:8443/users/bob/inbox?x=1"
    out = sign_request_rfc9421("POST", url, {"Content-Type": "application/activity+json"}, BODY, KEY_ID, PRIV)
    assert out["Host"] == "remote.example:8443"
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={KEY_ID: PUB.encode()}, private_keys={}),
    )
    results = verifier.verify(
        Request("POST", url, out),
        body=BODY,
        require_components=("@method", "@target-uri", "content-digest"),
    )
    assert len(results) == 1 and results[0].body == BODY
    assert results[0].parameters["keyid"] == KEY_ID
    with pytest.raises(InvalidSignature):
        verifier.verify(Request("POST", url, out), body=BODY + b"!")
    with pytest.raises(InvalidSignature):
        verifier.verify(Request("POST", url.replace("bob", "eve"), out), body=BODY)


async def test_fedi_roundtrip():
    out = sign_request_rfc9421("POST", "http://local.example:8080/inbox", {}, BODY, KEY_ID, PRIV)
    result = await SignatureVerifier(Keys((OWNER, PUB))).verify(
        "POST", "/inbox", out, BODY, scheme="http"
    )
    assert result == VerifiedSignature(key_id=KEY_ID, owner=OWNER, scheme="rfc9421", fingerprint=fingerprint(out))


# ------------------------------------------------------------------- accepted


async def test_package_signed_post_accepted():
    keys = Keys((OWNER, PUB))
    headers = package_sign()
    assert "content-digest" in headers["Signature-Input"]
    result = await verify(headers, keys=keys)
    assert result == VerifiedSignature(key_id=KEY_ID, owner=OWNER, scheme="rfc9421", fingerprint=fingerprint(headers))
    assert keys.calls == [(KEY_ID, False)]


async def test_package_signed_ed25519_without_alg_accepted():
    headers = package_sign(key=ED_PRIV, algorithm=algorithms.ED25519, include_alg=False)
    assert "alg=" not in headers["Signature-Input"]
    assert (await verify(headers, keys=Keys((OWNER, ED_PUB_PEM)))).scheme == "rfc9421"


async def test_authority_defaults_to_host_header():
    headers = package_sign(headers={"Host": "local.example:8443"}, url="https://local.example:8443/inbox")
    result = await SignatureVerifier(Keys((OWNER, PUB)), clock=lambda: NOW).verify(
        "POST", "/inbox", headers, BODY
    )
    assert result.key_id == KEY_ID


async def test_get_with_authority_and_path_accepted():
    headers = package_sign(
        method="GET", url="https://local.example/users/alice?page=1", body=None,
        components=("@method", "@authority", "@path", "@query"),
    )
    assert (await verify(headers, body=None, method="GET", path="/users/alice?page=1")).owner == OWNER


async def test_sha512_content_digest_accepted():
    digest = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = package_sign(
        headers={"Content-Digest": f"sha-512=:{digest}:"}, use_existing_digest=True,
        components=("@method", "@target-uri", "content-digest"), body=None,
    )
    assert (await verify(headers)).scheme == "rfc9421"


async def test_prefers_rfc9421_when_both_present():
    headers = package_sign()
    headers["Authorization"] = 'Signature keyId="x",headers="date",signature="AAAA"'
    assert (await verify(headers)).scheme == "rfc9421"


async def test_first_signature_meeting_policy_is_used():
    weak = package_sign(components=("@method",), body=None, label="weak", headers={})
    headers = package_sign(headers=weak, append_if_signature_exists=True, label="strong")
    assert headers["Signature-Input"].startswith("weak=")
    assert (await verify(headers)).key_id == KEY_ID


@pytest.mark.parametrize("offset", [-55 * 60, 55 * 60])
async def test_created_within_window_accepted(offset):
    assert (await verify(package_sign(created=NOW + offset))).key_id == KEY_ID


async def test_key_rotation_refreshes_once():
    keys = Keys((OWNER, OTHER_PUB), (OWNER, PUB))
    assert (await verify(package_sign(), keys=keys)).owner == OWNER
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


# ------------------------------------------------------------------- rejected


async def test_tampered_body_rejected_without_key_fetch():
    keys = Keys((OWNER, PUB))
    with pytest.raises(SignatureError, match="Content-Digest"):
        await verify(package_sign(), body=BODY + b"x", keys=keys)
    assert keys.calls == []


@pytest.mark.parametrize(
    "change",
    [
        {"path": "/users/bob/inbox"},
        {"authority": "evil.example"},
        {"method": "PUT"},
        {"scheme": "http"},
    ],
)
async def test_tampered_target_rejected(change):
    keys = Keys((OWNER, PUB))
    with pytest.raises(SignatureError, match="verification failed"):
        await verify(package_sign(), keys=keys, **change)
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_tampered_signed_header_rejected():
    headers = package_sign(components=("@method", "@target-uri", "content-type"))
    headers["Content-Type"] = "text/html"
    with pytest.raises(SignatureError, match="verification failed"):
        await verify(headers)


async def test_wrong_key_and_unknown_key():
    keys = Keys((OWNER, OTHER_PUB))
    with pytest.raises(SignatureError):
        await verify(package_sign(), keys=keys)
    assert len(keys.calls) == 2
    keys = Keys(None)
    with pytest.raises(SignatureError, match="unknown key"):
        await verify(package_sign(), keys=keys)
    assert keys.calls == [(KEY_ID, False)]


@pytest.mark.parametrize(
    "components, reason",
    [
        (("@target-uri",), "@method"),
        (("@method", "@authority"), "@target-uri"),
        (("@method", "@path"), "@target-uri"),
    ],
)
async def test_insufficient_coverage_rejected(components, reason):
    with pytest.raises(SignatureError, match=reason):
        await verify(package_sign(components=components, body=None), body=None)


async def test_post_without_content_digest_coverage_rejected():
    headers = package_sign(body=None)
    with pytest.raises(SignatureError, match="content-digest"):
        await verify(headers)


@pytest.mark.parametrize("offset, reason", [(-65 * 60, "too old"), (65 * 60, "future")])
async def test_created_outside_window_rejected(offset, reason):
    with pytest.raises(SignatureError, match=reason):
        await verify(package_sign(created=NOW + offset))


async def test_expired_and_missing_created_rejected():
    expired = datetime.fromtimestamp(NOW - 2 * 3600, tz=timezone.utc)
    with pytest.raises(SignatureError, match="expired"):
        await verify(package_sign(created=NOW - 30 * 60, expires=expired))
    headers = package_sign()
    headers["Signature-Input"] = headers["Signature-Input"].replace(f"created={NOW};", "")
    with pytest.raises(SignatureError, match="created"):
        await verify(headers)


@pytest.mark.parametrize(
    "sig_input, signature, reason",
    [
        ("garbage(((", None, "malformed Signature-Input"),
        ("sig1=", None, "malformed Signature-Input"),
        ('sig1=("@method" "@target-uri" "content-digest")', None, "keyid"),
        (
            f'sig1=("@method" "@target-uri" "content-digest");created={NOW};keyid="k"',
            "sig1=notbytes",
            "Signature does not match",
        ),
        ('sig1=("@method" "@target-uri" "content-digest");created="x";keyid="k"', None, "created"),
        (
            f'sig1=("@method" "@target-uri" "content-digest");created={NOW};keyid="k";alg="hmac-sha256"',
            None,
            "algorithm",
        ),
        (
            f'sig1=("@method" "@target-uri" "content-digest" "x-nope");created={NOW};keyid="k"',
            None,
            "component",
        ),
        (
            f'sig1=("@method" "@target-uri" "content-digest" "@bogus");created={NOW};keyid="k"',
            None,
            "component",
        ),
        (f'sig2=("@method" "@target-uri" "content-digest");created={NOW};keyid="k"', None, "Signature"),
        ('sig1=("@method"), sig1=("@method")', None, "malformed"),
        ("sig1=\u00e9", "\u0000", "malformed"),
    ],
)
async def test_garbage_signature_input(sig_input, signature, reason):
    headers = package_sign()
    headers["Signature-Input"] = sig_input
    if signature is not None:
        headers["Signature"] = signature
    with pytest.raises(SignatureError, match=reason):
        await verify(headers)


async def test_garbage_content_digest_and_missing_signature():
    headers = package_sign()
    headers["Content-Digest"] = "sha-256=not-bytes"
    with pytest.raises(SignatureError, match="Content-Digest"):
        await verify(headers)
    headers = package_sign()
    del headers["Signature"]
    with pytest.raises(SignatureError):
        await verify(headers)


def test_http_date_used_by_signer_is_consistent():
    before = int(time.time())
    out = sign_request_rfc9421("GET", "https://remote.example/", {}, None, KEY_ID, PRIV)
    created = int(out["Signature-Input"].split("created=")[1].split(";")[0])
    assert before <= created <= int(time.time())
    assert out["Date"] == http_date(created)

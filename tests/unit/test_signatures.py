"""draft-cavage HTTP Signatures: signing, verification, key handling.

Interoperability is checked against the independent ``httpsig`` package in
both directions.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

import httpsig
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from multidict import CIMultiDict, CIMultiDictProxy

from fedi.activitypub.keys import generate_keypair, load_private_key
from fedi.activitypub.signatures import SignatureError, digest_header, http_date, sign_request
from fedi.activitypub.verifier import SignatureVerifier, VerifiedSignature

NOW = 1_750_000_000.0
KEY_ID = "https://remote.example/users/alice#main-key"
OWNER = "https://remote.example/users/alice"
BODY = b'{"type":"Create","actor":"https://remote.example/users/alice"}'

PRIV, PUB = generate_keypair()
OTHER_PRIV, OTHER_PUB = generate_keypair()
ED_PRIV = ed25519.Ed25519PrivateKey.generate()
ED_PUB_PEM = (
    ED_PRIV.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


class Keys:
    """Key retriever recording its calls; answers are popped in order (last one sticks)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool):
        self.calls.append((key_id, refresh))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def verifier(keys, now=NOW):
    return SignatureVerifier(keys, clock=lambda: now)


def fingerprint(headers) -> str:
    """SHA-256 of the signature bytes, computed from the header independently of fedi."""
    value = next(v for k, v in dict(headers).items() if k.lower() in ("signature", "authorization"))
    return hashlib.sha256(base64.b64decode(re.search(r'signature="([^"]+)"', value).group(1))).hexdigest()


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def httpsig_sign(header_list, headers, *, method="POST", path="/inbox", priv=PRIV, sign_header="signature"):
    signer = httpsig.HeaderSigner(
        KEY_ID, priv, algorithm="rsa-sha256", headers=header_list, sign_header=sign_header
    )
    return dict(signer.sign(headers, method=method, path=path))


def base_post_headers(date_ts=NOW, digest=None):
    return {
        "Host": "local.example",
        "Date": http_date(date_ts),
        "Digest": digest or "SHA-256=" + sha256_b64(BODY),
        "Content-Type": "application/activity+json",
    }


async def verify(headers, body=BODY, *, keys=None, method="POST", path="/inbox", now=NOW):
    keys = keys or Keys((OWNER, PUB))
    return await verifier(keys, now).verify(method, path, headers, body)


# ------------------------------------------------------------------- helpers


def test_digest_header_and_http_date():
    assert digest_header(b"hello") == "SHA-256=" + sha256_b64(b"hello")
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", http_date())


# ------------------------------------------------------------------- signing


def test_sign_request_post_shape():
    out = sign_request("POST", "https://remote.example/inbox", {"Content-Type": "x/y"}, BODY, KEY_ID, PRIV)
    assert out["Host"] == "remote.example"
    assert out["Digest"] == "SHA-256=" + sha256_b64(BODY)
    assert "Date" in out and out["Content-Type"] == "x/y"
    sig = out["Signature"]
    assert f'keyId="{KEY_ID}"' in sig and 'algorithm="rsa-sha256"' in sig
    assert 'headers="(request-target) host date digest"' in sig


def test_sign_request_host_keeps_non_default_port_and_date():
    date = http_date(NOW)
    out = sign_request("GET", "https://remote.example:8443/u?page=2", {"Date": date}, None, KEY_ID, PRIV)
    assert out["Host"] == "remote.example:8443"
    assert out["Date"] == date
    assert "Digest" not in out
    assert 'headers="(request-target) host date"' in out["Signature"]
    assert sign_request("GET", "https://remote.example:443/", {}, None, KEY_ID, PRIV)["Host"] == "remote.example"


def test_fedi_post_verifies_with_httpsig():
    url = "https://remote.example/users/bob/inbox"
    out = sign_request("POST", url, {"Content-Type": "application/activity+json"}, BODY, KEY_ID, PRIV)
    hv = httpsig.HeaderVerifier(
        out,
        PUB,
        required_headers=["(request-target)", "host", "date", "digest"],
        method="POST",
        path="/users/bob/inbox",
        sign_header="signature",
    )
    assert hv.verify() is True
    # httpsig does not look at the body: check the digest independently.
    assert out["Digest"] == "SHA-256=" + sha256_b64(BODY)


def test_fedi_get_with_accept_verifies_with_httpsig():
    url = "https://remote.example/users/bob/outbox?page=true"
    out = sign_request("GET", url, {"Accept": "application/activity+json"}, None, KEY_ID, PRIV)
    assert 'headers="(request-target) host date accept"' in out["Signature"]
    hv = httpsig.HeaderVerifier(
        out, PUB, required_headers=["(request-target)", "host", "date", "accept"],
        method="GET", path="/users/bob/outbox?page=true", sign_header="signature",
    )
    assert hv.verify() is True
    # A different query string must not verify.
    hv = httpsig.HeaderVerifier(out, PUB, method="GET", path="/users/bob/outbox", sign_header="signature")
    assert hv.verify() is False


async def test_fedi_roundtrip_with_query_and_port():
    out = sign_request("POST", "http://local.example:8080/inbox?x=1", {}, BODY, KEY_ID, PRIV)
    result = await verifier(Keys((OWNER, PUB)), now=time.time()).verify(
        "POST", "/inbox?x=1", out, BODY
    )
    assert result == VerifiedSignature(key_id=KEY_ID, owner=OWNER, scheme="cavage", fingerprint=fingerprint(out))


# ------------------------------------------------------------------- verification: accepted


@pytest.mark.parametrize(
    "header_list",
    [
        ["(request-target)", "host", "date", "digest"],
        ["(request-target)", "host", "date", "digest", "content-type"],
        ["(request-target)", "content-type", "date", "digest", "host"],
    ],
)
async def test_httpsig_signed_post_accepted(header_list):
    keys = Keys((OWNER, PUB))
    signed = httpsig_sign(header_list, base_post_headers())
    result = await verify(signed, keys=keys)
    assert result == VerifiedSignature(key_id=KEY_ID, owner=OWNER, scheme="cavage", fingerprint=fingerprint(signed))
    assert keys.calls == [(KEY_ID, False)]


async def test_authorization_signature_form_accepted():
    signed = httpsig_sign(
        ["(request-target)", "host", "date", "digest"], base_post_headers(), sign_header="authorization"
    )
    assert signed["authorization"].startswith("Signature ")
    assert "signature" not in signed
    assert (await verify(signed)).scheme == "cavage"


async def test_get_without_body_accepted_and_multidict_headers():
    signed = httpsig_sign(
        ["(request-target)", "host", "date", "accept"],
        {"Host": "local.example", "Date": http_date(NOW), "Accept": "application/activity+json"},
        method="GET",
        path="/users/alice?page=1",
    )
    proxy = CIMultiDictProxy(CIMultiDict({k.title(): v for k, v in signed.items()}))
    result = await verify(proxy, body=None, method="GET", path="/users/alice?page=1")
    assert result.key_id == KEY_ID


@pytest.mark.parametrize(
    "digest",
    [
        "sha-256=" + sha256_b64(BODY),
        "MD5=bm90IGNoZWNrZWQ=, SHA-256=" + sha256_b64(BODY),
        "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode() + ",SHA-256=" + sha256_b64(BODY),
    ],
)
async def test_digest_variants_accepted(digest):
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers(digest=digest))
    assert (await verify(signed)).owner == OWNER


@pytest.mark.parametrize("offset", [-55 * 60, 55 * 60])
async def test_date_within_window_accepted(offset):
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers(NOW + offset))
    assert (await verify(signed)).key_id == KEY_ID


def _manual_signature(headers, covered, algorithm, sign, *, method="post", path="/inbox", extra=""):
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method} {path}")
        elif name == "(created)":
            lines.append(f"(created): {int(NOW)}")
        else:
            lines.append(f"{name}: {headers[name.title()]}")
    sig = base64.b64encode(sign("\n".join(lines).encode())).decode()
    alg = f'algorithm="{algorithm}",' if algorithm else ""
    return f'keyId="{KEY_ID}",{alg}{extra}headers="{" ".join(covered)}",signature="{sig}"'


def _rsa_sign(data):
    return load_private_key(PRIV).sign(data, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("algorithm", ["hs2019", None])
async def test_hs2019_and_absent_algorithm_rsa(algorithm):
    headers = base_post_headers()
    covered = ["(request-target)", "host", "date", "digest"]
    headers["Signature"] = _manual_signature(headers, covered, algorithm, _rsa_sign)
    assert (await verify(headers)).scheme == "cavage"


async def test_hs2019_ed25519_with_created():
    headers = base_post_headers()
    covered = ["(request-target)", "host", "(created)", "digest"]
    headers["Signature"] = _manual_signature(
        headers, covered, "hs2019", ED_PRIV.sign, extra=f"created={int(NOW)},"
    )
    assert (await verify(headers, keys=Keys((OWNER, ED_PUB_PEM)))).owner == OWNER
    # The same signature claiming rsa-sha256 must not verify with an Ed25519 key.
    headers["Signature"] = headers["Signature"].replace("hs2019", "rsa-sha256")
    with pytest.raises(SignatureError):
        await verify(headers, keys=Keys((OWNER, ED_PUB_PEM)))


async def test_query_less_request_target_accepted():
    # Older Mastodon versions signed the path without the query string.
    signed = httpsig_sign(
        ["(request-target)", "host", "date"],
        {"Host": "local.example", "Date": http_date(NOW)},
        method="GET",
        path="/users/alice",
    )
    assert (await verify(signed, body=None, method="GET", path="/users/alice?x=1")).key_id == KEY_ID


# ------------------------------------------------------------------- verification: rejected


async def test_tampered_body_rejected_without_key_fetch():
    keys = Keys((OWNER, PUB))
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    with pytest.raises(SignatureError, match="Digest"):
        await verify(signed, body=BODY + b" ", keys=keys)
    assert keys.calls == []


async def test_tampered_signed_header_rejected():
    keys = Keys((OWNER, PUB))
    signed = httpsig_sign(["(request-target)", "host", "date", "digest", "content-type"], base_post_headers())
    signed["content-type"] = "text/html"
    with pytest.raises(SignatureError, match="verification failed"):
        await verify(signed, keys=keys)
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_tampered_request_target_rejected():
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    with pytest.raises(SignatureError):
        await verify(signed, path="/users/bob/inbox")


async def test_wrong_key_rejected_after_one_refresh():
    keys = Keys((OWNER, OTHER_PUB))
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    with pytest.raises(SignatureError):
        await verify(signed, keys=keys)
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_key_rotation_refreshes_once():
    keys = Keys((OWNER, OTHER_PUB), (OWNER + "/new", PUB))
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    result = await verify(signed, keys=keys)
    assert result.owner == OWNER + "/new"
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_unknown_key():
    keys = Keys(None)
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    with pytest.raises(SignatureError, match="unknown key"):
        await verify(signed, keys=keys)
    assert keys.calls == [(KEY_ID, False)]


async def test_garbage_pem_and_failing_retriever():
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    keys = Keys((OWNER, "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----"))
    with pytest.raises(SignatureError):
        await verify(signed, keys=keys)
    assert len(keys.calls) == 2

    async def broken(key_id, refresh):
        raise ConnectionError("boom")

    with pytest.raises(SignatureError, match="key retrieval failed"):
        await verifier(broken).verify("POST", "/inbox", signed, BODY)


@pytest.mark.parametrize("offset, reason", [(-65 * 60, "too old"), (65 * 60, "future")])
async def test_date_outside_window_rejected(offset, reason):
    keys = Keys((OWNER, PUB))
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers(NOW + offset))
    with pytest.raises(SignatureError, match=reason):
        await verify(signed, keys=keys)
    assert keys.calls == []


async def test_unparseable_date_rejected():
    headers = base_post_headers()
    headers["Date"] = "yesterday-ish"
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], headers)
    with pytest.raises(SignatureError, match="Date"):
        await verify(signed)


async def test_post_without_digest_coverage_rejected():
    headers = base_post_headers()
    del headers["Digest"]
    signed = httpsig_sign(["(request-target)", "host", "date"], headers)
    with pytest.raises(SignatureError, match="digest"):
        await verify(signed)


async def test_signed_digest_header_missing_rejected():
    signed = httpsig_sign(["(request-target)", "host", "date", "digest"], base_post_headers())
    del signed["digest"]
    with pytest.raises(SignatureError, match="Digest"):
        await verify(signed)


@pytest.mark.parametrize(
    "header_list, missing",
    [
        (["(request-target)", "date", "digest"], "host"),
        (["(request-target)", "host", "digest"], "date"),
        (["host", "date", "digest"], r"\(request-target\)"),
        (["date"], r"\(request-target\)"),
    ],
)
async def test_insufficient_coverage_rejected(header_list, missing):
    signed = httpsig_sign(header_list, base_post_headers())
    with pytest.raises(SignatureError, match=missing):
        await verify(signed)


async def test_absent_headers_parameter_defaults_to_date_and_is_rejected():
    headers = base_post_headers()
    sig = base64.b64encode(_rsa_sign(f"date: {headers['Date']}".encode())).decode()
    headers["Signature"] = f'keyId="{KEY_ID}",algorithm="rsa-sha256",signature="{sig}"'
    with pytest.raises(SignatureError, match="request-target"):
        await verify(headers)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "Signature",
        '"unterminated',
        'keyId="x"',
        'signature="AAAA"',
        f'keyId="{KEY_ID}",headers="(request-target) host date digest",signature="!!!not base64!!!"',
        f'keyId="{KEY_ID}",algorithm="hmac-sha256",headers="(request-target) host date digest",signature="AAAA"',
        f'keyId="{KEY_ID}",keyId="b",headers="(request-target) host date digest",signature="AAAA"',
        f'keyId="{KEY_ID}",headers="(request-target) host date digest x-missing",signature="AAAA"',
        f'keyId="{KEY_ID}",headers="(request-target) host date digest (created)",signature="AAAA"',
        f'keyId="{KEY_ID}",created=soon,headers="(request-target) host date digest",signature="AAAA"',
        "keyId=\u00e9\u0000,,,==",
    ],
)
async def test_garbage_signature_header(value):
    headers = base_post_headers()
    headers["Signature"] = value
    with pytest.raises(SignatureError):
        await verify(headers)


async def test_unsigned_request_rejected():
    with pytest.raises(SignatureError, match="not signed"):
        await verify(base_post_headers())
    with pytest.raises(SignatureError, match="not signed"):
        await verify({**base_post_headers(), "Authorization": "Bearer abc"})


async def test_expired_hs2019_signature_rejected():
    headers = base_post_headers()
    covered = ["(request-target)", "host", "date", "digest"]
    expires = int(NOW - 2 * 3600)
    headers["Signature"] = _manual_signature(headers, covered, "hs2019", _rsa_sign, extra=f"expires={expires},")
    with pytest.raises(SignatureError, match="expired"):
        await verify(headers)


def test_signature_header_parameters_quoted_escaped_bare_and_malformed():
    from fedi.activitypub.signatures import parse_signature_header

    sig = base64.b64encode(bytes(range(256))).decode()
    parsed = parse_signature_header(
        f'Signature keyId="https://remote.test/u/a\\"b#key" , algorithm=rsa-sha256,'
        f'headers="(request-target) host date",signature="{sig}"')
    assert parsed.key_id == 'https://remote.test/u/a"b#key'
    assert parsed.algorithm == "rsa-sha256" and parsed.signature == base64.b64decode(sig)
    assert parsed.headers == ("(request-target)", "host", "date")
    for bad in (f'keyId="k",signature="{sig}', 'keyId="k" signature="x"', f'keyId="k",keyId="j",signature="{sig}"',
                'keyId="k\\",signature="x"'):
        with pytest.raises(SignatureError):
            parse_signature_header(bad)

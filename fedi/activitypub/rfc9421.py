"""RFC 9421 HTTP Message Signatures with RFC 9530 ``Content-Digest``.

Signing follows Mastodon 4.5: a single signature labelled ``sig1`` covering
``"@method" "@target-uri"`` (plus ``"date"``) and ``"content-digest"`` when the
request has a body, with ``created``, ``keyid`` and ``alg="rsa-v1_5-sha256"``.

Signature bases are built and checked by the ``http-message-signatures``
package; this module adds the fediverse policy on top (required coverage,
time window, tolerant digest checking, algorithm inferred from the key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureComponentResolver,
    MappingKeyResolver,
    algorithms,
)
from http_sf.compat import Item

from .keys import load_private_key
from .signatures import (
    PendingSignature,
    SignatureError,
    header_value,
    drop_headers,
    check_expires,
    check_time_window,
    http_date,
    url_host_and_target,
)

__all__ = [
    "SIGNATURE_LABEL",
    "content_digest_header",
    "verify_content_digest",
    "sign_request_rfc9421",
    "prepare_rfc9421",
]

SIGNATURE_LABEL = "sig1"

_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}

_ALGORITHMS: dict[str, type[algorithms.HTTPSignatureAlgorithm]] = {
    "rsa-v1_5-sha256": algorithms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": algorithms.RSA_PSS_SHA512,
    "ed25519": algorithms.ED25519,
    "ecdsa-p256-sha256": algorithms.ECDSA_P256_SHA256,
    "ecdsa-p384-sha384": algorithms.ECDSA_P384_SHA384,
}


@dataclass
class _Message:
    """The request view the http-message-signatures resolvers expect."""

    method: str
    url: str
    headers: dict[str, str]


class _PolicyVerifier(HTTPMessageVerifier):
    """Verifier whose time checks are done by the caller with its own clock."""

    require_created = False

    def validate_created_and_expires(self, sig_input, max_age=None):  # noqa: ARG002
        return None


def _algorithm_for_key(key: Any) -> type[algorithms.HTTPSignatureAlgorithm]:
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return algorithms.RSA_V1_5_SHA256
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return algorithms.ED25519
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if isinstance(key.curve, ec.SECP256R1):
            return algorithms.ECDSA_P256_SHA256
        if isinstance(key.curve, ec.SECP384R1):
            return algorithms.ECDSA_P384_SHA384
    raise ValueError("unsupported key type")


# --------------------------------------------------------------------------- Content-Digest


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """Return an RFC 9530 ``Content-Digest`` value, e.g. ``sha-256=:<b64>:``."""
    digest = _DIGESTS[algorithm](body).digest()
    return f"{algorithm}=:{base64.b64encode(digest).decode('ascii')}:"


def verify_content_digest(value: str, body: bytes) -> None:
    """Check a ``Content-Digest`` field against *body*.

    Every ``sha-256`` / ``sha-512`` member must match and at least one must be
    present; members using other algorithms are ignored.
    """
    try:
        members = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except Exception:  # noqa: BLE001
        raise SignatureError("malformed Content-Digest") from None
    found = False
    for algorithm, member in members.items():
        hasher = _DIGESTS.get(algorithm.lower())
        if hasher is None:
            continue
        received = member[0] if isinstance(member, tuple) else None
        if not isinstance(received, bytes):
            raise SignatureError("malformed Content-Digest")
        if not hmac.compare_digest(received, hasher(body).digest()):
            raise SignatureError("Content-Digest does not match body")
        found = True
    if not found:
        raise SignatureError("Content-Digest has no supported digest")


# --------------------------------------------------------------------------- signing


def sign_request_rfc9421(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
) -> dict[str, str]:
    """Sign an outgoing request with RFC 9421; return a new header dict.

    Adds ``Host`` and ``Date`` (unless given), ``Content-Digest`` (sha-256, when
    *body* is not ``None``), ``Signature-Input`` and ``Signature``.
    """
    host, target = url_host_and_target(url)
    drop = ["signature", "signature-input"]
    if body is not None:
        drop.append("content-digest")
    out = drop_headers(headers, *drop)
    if header_value(out, "host") is None:
        out["Host"] = host
    now = int(time.time())
    if header_value(out, "date") is None:
        out["Date"] = http_date(now)

    scheme = url.split(":", 1)[0].lower()
    message = _Message(method=method.upper(), url=f"{scheme}://{header_value(out, 'host')}{target}", headers=out)
    key = load_private_key(private_key_pem)
    signer = HTTPMessageSigner(
        signature_algorithm=_algorithm_for_key(key),
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: key}),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=datetime.fromtimestamp(now, tz=timezone.utc),
        label=SIGNATURE_LABEL,
        covered_component_ids=("@method", "@target-uri", "date"),
        body=body,
    )
    return out


# --------------------------------------------------------------------------- verification


def _parse_dictionary(value: str, what: str) -> dict[str, Any]:
    def reject_duplicate(key: str, context: str) -> None:
        if context == "dictionary":
            raise ValueError("duplicate key")

    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary", on_duplicate_key=reject_duplicate)
    except Exception:  # noqa: BLE001
        raise SignatureError(f"malformed {what} header") from None
    if not isinstance(parsed, dict) or not parsed:
        raise SignatureError(f"malformed {what} header")
    return parsed


def _coverage_problem(components: list[tuple[Any, dict]], has_body: bool) -> str | None:
    plain = {name for name, params in components if isinstance(name, str) and not params}
    digest = any(
        name == "content-digest" and not set(params) - {"sf", "key"} for name, params in components
    )
    if "@method" not in plain:
        return "signature must cover @method"
    if "@target-uri" not in plain and not {"@authority", "@path"} <= plain:
        return "signature must cover @target-uri"
    if has_body and not digest:
        return "signature must cover content-digest"
    return None


def prepare_rfc9421(
    method: str,
    path_qs: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    authority: str | None,
    scheme: str,
    now: float,
    max_past: float,
    max_future: float,
) -> PendingSignature:
    """Parse and check an RFC 9421 signature up to (not including) the key check.

    *headers* must be normalized (lower-case names). Raises SignatureError.
    """
    if "signature" not in headers:
        raise SignatureError("Signature header missing")
    inputs = _parse_dictionary(headers["signature-input"], "Signature-Input")
    signatures = _parse_dictionary(headers["signature"], "Signature")

    # Use the first signature that meets the coverage policy.
    label = None
    problem = "no usable signature"
    for candidate, (components, _params) in inputs.items():
        if not isinstance(components, list):
            problem = "malformed Signature-Input header"
            continue
        if candidate not in signatures or not isinstance(signatures[candidate][0], bytes):
            problem = "Signature does not match Signature-Input"
            continue
        issue = _coverage_problem(components, bool(body))
        if issue is None:
            label = candidate
            break
        problem = issue
    if label is None:
        raise SignatureError(problem)
    components, params = inputs[label]

    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("signature lacks keyid")
    created = params.get("created")
    if created is None:
        raise SignatureError("signature lacks created")
    if type(created) is not int:
        raise SignatureError("malformed created parameter")
    check_time_window(float(created), now, max_past, max_future, "signature")
    expires = params.get("expires")
    if expires is not None:
        if type(expires) is not int:
            raise SignatureError("malformed expires parameter")
        check_expires(float(expires), now, max_future)
    alg = params.get("alg")
    if alg is not None and alg not in _ALGORITHMS:
        raise SignatureError("unsupported signature algorithm")

    if any(name == "content-digest" for name, _ in components):
        if "content-digest" not in headers:
            raise SignatureError("Content-Digest header missing")
        verify_content_digest(headers["content-digest"], body or b"")

    authority = authority or headers.get("host")
    if not authority:
        raise SignatureError("Host header missing")
    if not path_qs.startswith("/"):
        raise SignatureError("invalid request target")
    view = dict(headers)
    view["signature-input"] = http_sf.ser({label: inputs[label]})
    view["signature"] = http_sf.ser({label: signatures[label]})
    message = _Message(method=method.upper(), url=f"{scheme.lower()}://{authority}{path_qs}", headers=view)

    # Resolve every covered component now so that structural problems are
    # reported as such, not as a bad key (which would trigger a key refetch).
    try:
        resolver = HTTPSignatureComponentResolver(message)
        for name, item_params in components:
            item = Item(name)
            item.params.update(item_params)
            resolver.resolve(item)
    except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError):
        raise SignatureError("signature covers a missing or unsupported component") from None

    def check(public_key: Any) -> bool:
        algorithm = _ALGORITHMS[alg] if alg is not None else _algorithm_for_key(public_key)
        verifier = _PolicyVerifier(
            signature_algorithm=algorithm,
            key_resolver=MappingKeyResolver(public_keys={key_id: public_key}, private_keys={}),
        )
        verifier.verify(message, max_age=None)
        return True

    return PendingSignature(key_id=key_id, scheme="rfc9421", _check=check, value=signatures[label][0])

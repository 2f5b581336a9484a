"""HTTP Signatures as used by the fediverse (draft-cavage-http-signatures).

Outgoing requests are signed the way Mastodon signs them: ``rsa-sha256`` over
``(request-target) host date`` plus ``digest`` for requests with a body (and
``accept`` for GETs that send one). Incoming signatures are parsed and checked
here without any I/O; :mod:`fedi.activitypub.verifier` drives key retrieval.

Everything that rejects untrusted input raises :class:`SignatureError`, whose
message is short and safe to return to the remote server.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from yarl import URL

from .keys import load_private_key

__all__ = [
    "SignatureError", "PendingSignature", "digest_header", "http_date", "parse_http_date",
    "normalize_headers", "url_host_and_target", "sign_request", "parse_signature_header",
    "prepare_cavage",
]

#: Algorithms accepted in the ``algorithm`` parameter of an incoming signature.
SUPPORTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})

_DIGEST_HASHES: dict[str, Callable[[bytes], Any]] = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


class SignatureError(Exception):
    """An HTTP signature is missing, malformed, stale or does not verify.

    ``str(error)`` is a short reason that may be shown to the remote peer.
    """


@dataclass(frozen=True)
class PendingSignature:
    """A parsed signature that passed all checks that need no key.

    ``verify_with(public_key)`` performs the cryptographic check with a loaded
    ``cryptography`` public key and returns ``True`` only on success.
    """

    key_id: str
    scheme: str
    _check: Callable[[Any], bool] = field(repr=False)
    value: bytes = field(default=b"", repr=False)  # the signature bytes, for replay detection

    def verify_with(self, public_key: Any) -> bool:
        try:
            return bool(self._check(public_key))
        except Exception:  # noqa: BLE001 - any failure means "not verified"
            return False


# --------------------------------------------------------------------------- helpers


def digest_header(body: bytes) -> str:
    """Return a ``Digest`` header value for *body*: ``SHA-256=<base64>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def http_date(ts: float | None = None) -> str:
    """Format *ts* (default: now) as an RFC 7231 IMF-fixdate."""
    return email.utils.formatdate(ts, usegmt=True)


def parse_http_date(value: str) -> float:
    """Parse an HTTP date into a POSIX timestamp; raise SignatureError if invalid."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        raise SignatureError("invalid Date header") from None
    if parsed is None:
        raise SignatureError("invalid Date header")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        raise SignatureError("invalid Date header") from None


def check_time_window(ts: float, now: float, max_past: float, max_future: float, what: str) -> None:
    """Reject timestamps older than *max_past* or further ahead than *max_future*."""
    if ts < now - max_past:
        raise SignatureError(f"{what} is too old")
    if ts > now + max_future:
        raise SignatureError(f"{what} is in the future")


def check_expires(expires: float, now: float, leeway: float) -> None:
    if now > expires + leeway:
        raise SignatureError("signature has expired")


def normalize_headers(headers: Mapping[str, str] | Any) -> dict[str, str]:
    """Lower-case header names; join repeated fields with ``", "``.

    Accepts plain dicts as well as multi-dicts (whose ``items()`` yields every
    field line).
    """
    result: dict[str, str] = {}
    try:
        items = list(headers.items())
    except Exception:  # noqa: BLE001
        raise SignatureError("invalid headers") from None
    for name, value in items:
        if not isinstance(name, str):
            raise SignatureError("invalid headers")
        key = name.strip().lower()
        text = str(value).strip()
        result[key] = f"{result[key]}, {text}" if key in result else text
    return result


def url_host_and_target(url: str) -> tuple[str, str]:
    """Return ``(host_header, path_and_query)`` exactly as aiohttp will send them."""
    parsed = URL(url)
    if not parsed.is_absolute() or not parsed.host:
        raise ValueError(f"not an absolute URL: {url!r}")
    host = parsed.host_subcomponent or parsed.raw_host or ""
    if parsed.explicit_port is not None and not parsed.is_default_port():
        host = f"{host}:{parsed.port}"
    return host, parsed.raw_path_qs or "/"


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers.items():
        if key.lower() == lname:
            return value
    return None


def drop_headers(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    drop = {n.lower() for n in names}
    return {k: v for k, v in headers.items() if k.lower() not in drop}


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise SignatureError(f"malformed {what}") from None


def verify_digest(value: str, body: bytes) -> None:
    """Check a ``Digest`` header (RFC 3230) against *body*.

    Several comma-separated entries may be present; algorithm names are
    matched case-insensitively. Every SHA-256 / SHA-512 entry must match, and at
    least one must be present.
    """
    found = False
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition("=")
        if not sep:
            continue
        algorithm = name.strip().lower()
        hasher = _DIGEST_HASHES.get(algorithm)
        if hasher is None:
            continue
        received = _b64decode(encoded, "Digest header")
        if not hmac.compare_digest(received, hasher(body).digest()):
            raise SignatureError("Digest does not match body")
        found = True
    if not found:
        raise SignatureError("Digest header has no SHA-256 value")


# --------------------------------------------------------------------------- signing


def sign_request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
) -> dict[str, str]:
    """Sign an outgoing request; return a new header dict including ``Signature``.

    Adds ``Host`` (unless given), ``Date`` (unless given) and, when *body* is not
    ``None``, ``Digest``. POSTs (any request with a body) cover
    ``(request-target) host date digest``; others cover
    ``(request-target) host date`` plus ``accept`` when an Accept header is set.
    """
    host, target = url_host_and_target(url)
    out = drop_headers(headers, "signature", *(("digest",) if body is not None else ()))
    if header_value(out, "host") is None:
        out["Host"] = host
    if header_value(out, "date") is None:
        out["Date"] = http_date()
    if body is not None:
        out["Digest"] = digest_header(body)

    covered = ["(request-target)", "host", "date"]
    if body is not None:
        covered.append("digest")
    elif header_value(out, "accept") is not None:
        covered.append("accept")

    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {str(header_value(out, name)).strip()}")
    signing_string = "\n".join(lines).encode("utf-8")

    key = load_private_key(private_key_pem)
    if isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(signing_string, padding.PKCS1v15(), hashes.SHA256())
        algorithm = "rsa-sha256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(signing_string)
        algorithm = "hs2019"
    else:
        raise ValueError("unsupported private key type")
    signature = base64.b64encode(raw).decode("ascii")
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )
    return out


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class CavageSignature:
    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None
    expires: str | None = None


# A quoted value is read as runs of plain characters between escapes (not one character per
# alternation step), which matters for a signature value of several hundred characters.
_PARAM = re.compile(
    r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^\s,"]+))\s*(?:,|$)'
)
_ESCAPED = re.compile(r"\\(.)")
_NUMERIC = re.compile(r"\d{1,15}(\.\d{1,9})?")


def parse_signature_header(value: str) -> CavageSignature:
    """Parse a ``Signature`` header (or ``Authorization: Signature ...``) value."""
    if not isinstance(value, str):
        raise SignatureError("malformed Signature header")
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:].lstrip()
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            raise SignatureError("malformed Signature header")
        name = match.group(1).lower()
        quoted, bare = match.group(2), match.group(3)
        if quoted is None:
            val = bare
        else:
            val = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        if name in params:
            raise SignatureError("malformed Signature header")
        params[name] = val
        pos = match.end()

    key_id = params.get("keyid", "").strip()
    if not key_id:
        raise SignatureError("signature lacks keyId")
    if not params.get("signature"):
        raise SignatureError("signature lacks signature value")
    algorithm = params.get("algorithm")
    if algorithm is not None:
        algorithm = algorithm.strip().lower()
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise SignatureError("unsupported signature algorithm")
    covered = tuple(h for h in params.get("headers", "date").lower().split() if h)
    if not covered:
        raise SignatureError("signature covers no headers")
    for name in ("created", "expires"):
        if name in params and not _NUMERIC.fullmatch(params[name].strip()):
            raise SignatureError(f"malformed {name} parameter")
    return CavageSignature(
        key_id=key_id,
        algorithm=algorithm,
        headers=covered,
        signature=_b64decode(params["signature"], "signature value"),
        created=params.get("created", "").strip() or None,
        expires=params.get("expires", "").strip() or None,
    )


def build_signing_string(
    sig: CavageSignature, method: str, target: str, headers: Mapping[str, str]
) -> bytes:
    """Build the signing string for *sig*; *headers* must be normalized."""
    lines = []
    for name in sig.headers:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name == "(created)":
            if sig.created is None:
                raise SignatureError("(created) signed but created parameter missing")
            lines.append(f"(created): {sig.created}")
        elif name == "(expires)":
            if sig.expires is None:
                raise SignatureError("(expires) signed but expires parameter missing")
            lines.append(f"(expires): {sig.expires}")
        else:
            if name not in headers:
                raise SignatureError(f"signed header {name} is missing")
            lines.append(f"{name}: {headers[name]}")
    try:
        return "\n".join(lines).encode("utf-8", "surrogateescape")
    except UnicodeError:
        raise SignatureError("invalid header encoding") from None


def _verify_raw(public_key: Any, algorithm: str | None, data: bytes, signature: bytes) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ed25519.Ed25519PublicKey) and algorithm in (None, "hs2019"):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def prepare_cavage(
    signature_value: str,
    method: str,
    path_qs: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: float,
    max_past: float,
    max_future: float,
) -> PendingSignature:
    """Parse and check a cavage signature up to (not including) the key check.

    *headers* must come from :func:`normalize_headers`. Raises SignatureError.
    """
    sig = parse_signature_header(signature_value)
    covered = set(sig.headers)
    if "(request-target)" not in covered:
        raise SignatureError("signature must cover (request-target)")
    if "host" not in covered:
        raise SignatureError("signature must cover host")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("signature must cover date")
    if body and "digest" not in covered:
        raise SignatureError("signature must cover digest")

    if "date" in covered:
        if "date" not in headers:
            raise SignatureError("signed header date is missing")
        check_time_window(parse_http_date(headers["date"]), now, max_past, max_future, "Date")
    if sig.created is not None:
        check_time_window(float(sig.created), now, max_past, max_future, "signature")
    if sig.expires is not None:
        check_expires(float(sig.expires), now, max_future)

    if "digest" in covered:
        if "digest" not in headers:
            raise SignatureError("Digest header missing")
        verify_digest(headers["digest"], body or b"")

    candidates = [build_signing_string(sig, method, path_qs, headers)]
    path, _, query = path_qs.partition("?")
    if query and "(request-target)" in covered:
        # Older Mastodon releases left the query string out of (request-target).
        candidates.append(build_signing_string(sig, method, path, headers))

    def check(public_key: Any) -> bool:
        return any(_verify_raw(public_key, sig.algorithm, data, sig.signature) for data in candidates)

    return PendingSignature(key_id=sig.key_id, scheme="cavage", _check=check, value=sig.signature)

"""Web Push on the wire: VAPID keys (RFC 8292) and encrypted messages (RFC 8291).

Pure helpers, no I/O. Encryption is done by `http_ece` and the VAPID token by
`py_vapid` (the web-push-libs implementations used by most push senders).
Two content codings exist: `aes128gcm` (RFC 8291, "standard") and the older
`aesgcm` draft that Mastodon still sends unless a subscription asks for the
standard one; both are supported.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import time
from dataclasses import dataclass

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02
from yarl import URL

TTL_SECONDS = 48 * 3600
JWT_LIFETIME = 12 * 3600


class PushError(ValueError):
    """A subscription's keys or endpoint are unusable."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(value: str) -> bytes:
    value = (value or "").strip().replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PushError("not valid base64") from exc


def generate_vapid_key() -> str:
    """A new P-256 private key, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def public_key_of(private_pem: str) -> str:
    """The application server key clients pass to the browser: base64url of the raw point."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return b64url(raw)


def check_keys(p256dh: str, auth: str) -> None:
    """Raise PushError unless p256dh is a P-256 point and auth a 16-byte secret."""
    point = unb64url(p256dh)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise PushError("keys[p256dh] is not a P-256 public key") from exc
    if len(unb64url(auth)) != 16:
        raise PushError("keys[auth] must be 16 bytes")


MAX_ENDPOINT = 2048
# What py_vapid accepts as the token's audience (`aud`): scheme, host without brackets
# or colons, and an optional port. An endpoint whose origin it would refuse can never be
# sent to, so it is refused when the subscription is made.
_AUDIENCE = re.compile(r"https?://[^/:\[\]@]+(:\d{1,5})?", re.IGNORECASE)


def check_endpoint(endpoint: str, *, allow_http: bool = False) -> str:
    """The endpoint's origin (the VAPID audience); PushError if it cannot be pushed to:
    not an https URL (http only when allowed), too long, with credentials, spaces or
    control characters, or addressed to a bare IP address (IPv4 or IPv6 literal) rather
    than a push service's host name."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise PushError("the endpoint is missing or too long")
    if not endpoint.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in endpoint):
        raise PushError("the endpoint holds spaces, control or non-ASCII characters")
    try:
        url = URL(endpoint)
        port = url.port
    except ValueError:
        raise PushError("the endpoint is not a URL") from None
    if url.scheme not in (("https", "http") if allow_http else ("https",)) or not url.host:
        raise PushError("the endpoint must be an https URL")
    if url.user is not None or url.password is not None:
        raise PushError("the endpoint must not carry credentials")
    try:
        ipaddress.ip_address(url.host.strip("[]"))
    except ValueError:
        pass
    else:
        raise PushError("the endpoint must name a push service's host, not an IP address")
    origin = f"{url.scheme}://{url.raw_host}" + (f":{port}" if url.explicit_port is not None else "")
    if not _AUDIENCE.fullmatch(origin):
        raise PushError("the endpoint's host cannot be used for VAPID")
    return origin


@dataclass(frozen=True)
class Message:
    body: bytes
    headers: dict[str, str]


def encrypt(payload: bytes, *, p256dh: str, auth: str, vapid_pem: str, endpoint: str,
            subject: str, standard: bool, urgency: str = "normal", now: float | None = None) -> Message:
    """The body and headers of one push message to `endpoint`."""
    check_keys(p256dh, auth)
    origin = check_endpoint(endpoint, allow_http=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16)
    version = "aes128gcm" if standard else "aesgcm"
    body = http_ece.encrypt(payload, salt=salt, private_key=server_key, dh=unb64url(p256dh),
                            auth_secret=unb64url(auth), version=version)
    claims = {"aud": origin, "exp": int((now or time.time()) + JWT_LIFETIME), "sub": subject}
    headers = {"TTL": str(TTL_SECONDS), "Urgency": urgency, "Content-Encoding": version,
               "Content-Type": "application/octet-stream"}
    if standard:
        headers.update(Vapid02.from_pem(vapid_pem.encode("ascii")).sign(claims))
    else:
        dh = server_key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        headers["Encryption"] = f"salt={b64url(salt)}"
        headers.update(Vapid01.from_pem(vapid_pem.encode("ascii")).sign(claims, crypto_key=f"dh={b64url(dh)}"))
    return Message(body=body, headers=headers)

"""Verification of signed incoming requests.

:class:`SignatureVerifier` accepts both signature schemes seen in the
fediverse:

* RFC 9421 HTTP Message Signatures (``Signature-Input`` + ``Signature``),
  preferred whenever ``Signature-Input`` is present;
* draft-cavage HTTP Signatures, in a ``Signature`` header or as
  ``Authorization: Signature ...``.

All checks that need no key (syntax, coverage, clock window, body digest) run
before the key is looked up, so malformed or stale requests never cause a key
fetch. Keys come from an async *key retriever*; when verification fails with
the retrieved key, the retriever is asked once more with ``refresh=True`` to
pick up a rotated key (the retriever decides whether it really fetches again).

A signature binds the request to the server it was made for only through the
signed ``host`` header (draft-cavage) or ``@authority`` / ``@target-uri``
(RFC 9421); the caller passes the authority it accepts as its own, and a
cavage signature whose signed ``host`` differs from it is refused.

The time window is an hour each way by default: long enough for clock skew and
a sender's queue, short enough that a replay cache (keyed by
``VerifiedSignature.fingerprint``, kept for ``window`` seconds) stays small.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from .keys import load_public_key
from .rfc9421 import prepare_rfc9421
from .signatures import PendingSignature, SignatureError, normalize_headers, prepare_cavage

__all__ = ["KeyRetriever", "SignatureVerifier", "VerifiedSignature", "SignatureError"]

log = logging.getLogger(__name__)

KeyRetriever = Callable[[str, bool], Awaitable["tuple[str, str] | None"]]
"""``async (key_id, refresh) -> (owner_actor_uri, public_key_pem) | None``.

``None`` means the key is unknown. ``refresh=True`` asks to bypass caches and
fetch the key again (the remote actor may have rotated it).
"""


@dataclass(frozen=True)
class VerifiedSignature:
    """A request signature that verified successfully."""

    key_id: str
    owner: str
    scheme: str  # "cavage" or "rfc9421"
    fingerprint: str = ""  # SHA-256 of the signature bytes: the same request replayed repeats it


class SignatureVerifier:
    """Verify incoming signed requests against keys from a key retriever.

    *max_past* / *max_future* bound how old, or how far in the future, the
    signature time (``Date`` header, ``created`` parameter) may be, in
    seconds. *max_future* also serves as clock-skew allowance for ``expires``.
    """

    def __init__(
        self,
        key_retriever: KeyRetriever,
        *,
        max_past: float = 3600,
        max_future: float = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._retriever = key_retriever
        self._max_past = max_past
        self._max_future = max_future
        self._clock = clock

    @property
    def window(self) -> float:
        """Seconds during which one signature can be accepted: how long to remember it."""
        return self._max_past + self._max_future

    async def verify(
        self,
        method: str,
        path_qs: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        authority: str | None = None,
        scheme: str = "https",
    ) -> VerifiedSignature:
        """Verify the request's signature; raise SignatureError on any failure.

        *path_qs* is the request target as received (path plus query string,
        e.g. aiohttp's ``request.raw_path``). *headers* may be any mapping,
        including aiohttp's case-insensitive multi-dicts. *authority*
        (``host[:port]``) and *scheme* are used to rebuild ``@target-uri`` /
        ``@authority`` for RFC 9421, and a cavage signature's signed ``host``
        must equal it; *authority* defaults to the Host header.

        Exceptions raised by the key retriever are reported as
        ``SignatureError("key retrieval failed")`` with the original chained.
        """
        pending = self._prepare(method, path_qs, headers, body, authority, scheme)
        fingerprint = hashlib.sha256(pending.value).hexdigest()

        result = await self._retrieve(pending.key_id, refresh=False)
        if result is None:
            raise SignatureError("unknown key")
        owner, pem = result
        if self._check(pending, pem):
            return VerifiedSignature(pending.key_id, owner, pending.scheme, fingerprint)

        # The actor may have rotated its key since we cached it: ask for a fresh copy.
        refreshed = await self._retrieve(pending.key_id, refresh=True)
        if refreshed is not None:
            new_owner, new_pem = refreshed
            if new_pem != pem and self._check(pending, new_pem):
                return VerifiedSignature(pending.key_id, new_owner, pending.scheme, fingerprint)
        raise SignatureError("signature verification failed")

    # ------------------------------------------------------------------ internals

    def _prepare(
        self,
        method: str,
        path_qs: str,
        headers: Mapping[str, str],
        body: bytes | None,
        authority: str | None,
        scheme: str,
    ) -> PendingSignature:
        try:
            norm = normalize_headers(headers)
            now = self._clock()
            window = {"now": now, "max_past": self._max_past, "max_future": self._max_future}
            if "signature-input" in norm:
                return prepare_rfc9421(
                    method, path_qs, norm, body, authority=authority, scheme=scheme, **window
                )
            if "signature" in norm:
                value = norm["signature"]
            elif norm.get("authorization", "")[:10].lower() == "signature ":
                value = norm["authorization"]
            else:
                raise SignatureError("request is not signed")
            if authority is not None and norm.get("host", "").lower() != authority.lower():
                raise SignatureError("the signed host is not this server")
            return prepare_cavage(value, method, path_qs, norm, body, **window)
        except SignatureError:
            raise
        except Exception as e:  # noqa: BLE001 - untrusted input must never escape as a 500
            log.debug("unexpected error while parsing a request signature", exc_info=True)
            raise SignatureError("malformed signature") from e

    async def _retrieve(self, key_id: str, *, refresh: bool) -> tuple[str, str] | None:
        try:
            result = await self._retriever(key_id, refresh)
        except SignatureError:
            raise
        except Exception as e:  # noqa: BLE001
            log.debug("key retrieval for %s failed", key_id, exc_info=True)
            raise SignatureError("key retrieval failed") from e
        if result is None:
            return None
        try:
            owner, pem = result
        except (TypeError, ValueError):
            return None
        if not isinstance(owner, str) or not isinstance(pem, str):
            return None
        return owner, pem

    @staticmethod
    def _check(pending: PendingSignature, pem: str) -> bool:
        try:
            public_key = load_public_key(pem)
        except (ValueError, TypeError):
            return False
        return pending.verify_with(public_key)

"""Actor key material: RSA key generation and cached PEM loading.

Parsing a PEM key is comparatively expensive (an RSA private key takes a
noticeable fraction of a millisecond to load and validate), and the same few
keys are used over and over by delivery and signature verification, so the
loaders keep a small LRU cache keyed by the PEM text.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["generate_keypair", "load_private_key", "load_public_key"]

RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537


def generate_keypair() -> tuple[str, str]:
    """Generate a new RSA-2048 key pair for an actor.

    Returns ``(private_pem, public_pem)``: the private key as unencrypted
    PKCS#8 PEM and the public key as SubjectPublicKeyInfo PEM (the
    ``-----BEGIN PUBLIC KEY-----`` form that ActivityPub ``publicKeyPem``
    expects).
    """
    private_key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private_key.public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )
    return private_pem, public_pem


def _pem_bytes(pem: str) -> bytes:
    if isinstance(pem, bytes):
        pem = pem.decode("ascii", errors="strict")
    if not isinstance(pem, str):
        raise ValueError("PEM key must be a string")
    # Some servers publish keys with CRLF line endings or surrounding blanks.
    return pem.strip().replace("\r\n", "\n").encode("ascii")


@lru_cache(maxsize=256)
def load_private_key(pem: str):
    """Load a PEM private key (PKCS#8 or traditional OpenSSL format).

    Results are cached by PEM text. Raises ``ValueError`` if the text is not a
    usable, unencrypted private key.
    """
    try:
        return serialization.load_pem_private_key(_pem_bytes(pem), password=None)
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as e:
        raise ValueError("invalid private key") from e


@lru_cache(maxsize=1024)
def load_public_key(pem: str):
    """Load a PEM public key (SubjectPublicKeyInfo or PKCS#1 ``RSA PUBLIC KEY``).

    Results are cached by PEM text. Raises ``ValueError`` if the text is not a
    usable public key.
    """
    try:
        return serialization.load_pem_public_key(_pem_bytes(pem))
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as e:
        raise ValueError("invalid public key") from e

"""Actor key generation and cached PEM loading."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from fedi.activitypub.keys import generate_keypair, load_private_key, load_public_key

PRIV, PUB = generate_keypair()


def test_generate_keypair_format():
    private_pem, public_pem = PRIV, PUB
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = load_private_key(private_pem)
    assert key.key_size == 2048
    assert key.private_numbers().public_numbers.e == 65537
    assert load_public_key(public_pem).public_numbers() == key.public_key().public_numbers()


def test_key_loading_is_cached_and_rejects_garbage():
    assert load_private_key(PRIV) is load_private_key(PRIV)
    assert load_public_key(PUB) is load_public_key(PUB)
    for garbage in ("", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"):
        with pytest.raises(ValueError):
            load_public_key(garbage)
    with pytest.raises(ValueError):
        load_private_key("nope")


def test_pkcs1_public_key_accepted():
    pkcs1 = (
        load_public_key(PUB)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )
    assert "BEGIN RSA PUBLIC KEY" in pkcs1
    assert load_public_key(pkcs1).public_numbers() == load_public_key(PUB).public_numbers()

"""The door's keys, derived from a ticket's secret (what its QR code holds).

A scanner device keeps the tickets of its lists keyed by ``door_key(secret)`` and the
attendee's personal data sealed with ``seal(secret, data)``: a lost device's database opens
only with the physical QR codes. Both derive from the secret with HKDF-SHA256 (two ``info``
labels, so the stored key reveals nothing of the sealing key) and the seal is AES-256-GCM
with the door key as associated data (a sealed record cannot be moved onto another ticket).
The scanner does the same with WebCrypto (frontend/src/door/keys.ts); tests hold the two to
each other (tests/browser/test_door_offline_flow.py).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT = b"maticko-door-v1"
KEY_INFO = b"ticket-key"
ORDER_INFO = b"order-key"
SEAL_INFO = b"personal-data"
NONCE_BYTES = 12


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(secret.encode())


def door_key(secret: str) -> str:
    """The ticket's key on a device: 64 hex characters."""
    return _derive(secret, KEY_INFO).hex()


def order_key(code: str) -> str:
    """The key a device finds an order's tickets by, from the order code printed on them
    (typed at the door, upper-cased)."""
    return _derive(code.strip().upper(), ORDER_INFO).hex()


def seal(secret: str, data: dict[str, Any]) -> str:
    """``data`` as JSON, encrypted for whoever holds the secret: base64url(nonce + ciphertext)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(secret, SEAL_INFO)).encrypt(
        nonce, json.dumps(data, separators=(",", ":")).encode(), door_key(secret).encode()
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(secret: str, sealed: str) -> dict[str, Any]:
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    data = AESGCM(_derive(secret, SEAL_INFO)).decrypt(
        raw[:NONCE_BYTES], raw[NONCE_BYTES:], door_key(secret).encode()
    )
    return json.loads(data)

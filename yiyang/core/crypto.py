"""Encryption at rest and blind indexes for personal data.

Values are sealed with AES-256-GCM under a key derived from YIYANG_DATA_KEY, and
found again through a keyed hash (HMAC-SHA256 under a second derived key), so an
exact ID-number or phone search is one indexed equality without decrypting rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _derive(purpose: bytes) -> bytes:
    master = settings.YIYANG_DATA_KEY.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yiyang", info=purpose).derive(master)


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[AESGCM, bytes]:
    return AESGCM(_derive(b"seal")), _derive(b"blind-index")


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.YIYANG_DATA_KEY)


def seal(plaintext: str) -> str:
    if not plaintext:
        return ""
    nonce = os.urandom(12)
    sealed = _current()[0].encrypt(nonce, plaintext.encode(), VERSION.encode())
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(token: str) -> str:
    if not token:
        return ""
    version, _, payload = token.partition(":")
    raw = base64.b64decode(payload)
    return _current()[0].decrypt(raw[:12], raw[12:], version.encode()).decode()


def blind_index(kind: str, value: str) -> str:
    """A keyed hash of a normalised value; kind separates ID numbers from phones."""
    if not value:
        return ""
    message = f"{kind}:{value}".encode()
    return hmac.new(_current()[1], message, hashlib.sha256).hexdigest()[:40]

"""Encryption at rest and blind indexes for personal data.

Values are sealed with AES-256-GCM under a key derived from YIYANG_DATA_KEY, and
found again through a keyed hash (HMAC-SHA256 under a second derived key), so an
exact ID-number or phone search is one indexed equality without decrypting rows.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

VERSION = "v1"
_AAD = VERSION.encode()
_PREFIX = f"{VERSION}:"


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _derive(purpose: bytes) -> bytes:
    master = settings.YIYANG_DATA_KEY.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yiyang", info=purpose).derive(master)


class _BlindIndexKey:
    """HMAC-SHA256 (RFC 2104) under one key, its inner and outer hash states keyed
    once: each value then costs two state copies, 1.7 µs instead of hmac.digest's
    4.4 µs (a ledger import hashes 300,000 values). Same digests as hmac.new."""

    def __init__(self, key: bytes):
        block = key.ljust(64, b"\0")  # SHA-256's block; our keys are 32 bytes
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[AESGCM, _BlindIndexKey]:
    return AESGCM(_derive(b"seal")), _BlindIndexKey(_derive(b"blind-index"))


_in_use: tuple[AESGCM, _BlindIndexKey] | None = None


def _current() -> tuple[AESGCM, _BlindIndexKey]:
    # Kept here, not read through settings on every call: a bulk import seals and
    # hashes half a million values, and each settings lookup cost as much as a hash.
    global _in_use
    if _in_use is None:
        _in_use = _keys(settings.YIYANG_DATA_KEY)
    return _in_use


@receiver(setting_changed)
def _key_changed(*, setting, **kwargs) -> None:
    global _in_use
    if setting == "YIYANG_DATA_KEY":
        _in_use = None


def seal(plaintext: str) -> str:
    if not plaintext:
        return ""
    nonce = os.urandom(12)
    sealed = _current()[0].encrypt(nonce, plaintext.encode(), _AAD)
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


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
    return _current()[1].hexdigest(f"{kind}:{value}".encode())[:40]

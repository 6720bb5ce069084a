"""Sealing records: canonical form, SHA-256, Ed25519 signatures and the device's chain."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import msgspec


def canonical(doc: Any) -> bytes:
    """One byte-exact serialisation: keys sorted, no spaces, UTF-8. It is byte for byte what
    Python's json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) gives,
    so any JSON library can redo it; msgspec makes it several times faster."""
    import msgspec

    return msgspec.json.encode(doc, order="sorted")


def digest(doc: Any) -> str:
    """SHA-256 of the canonical form, as hex."""
    return hashlib.sha256(canonical(doc)).hexdigest()


def fingerprint(public_raw: bytes) -> str:
    """A short, readable fingerprint of a public key: SHA-256, first 16 bytes, in groups."""
    h = hashlib.sha256(public_raw).hexdigest()[:32]
    return ":".join(h[i : i + 4] for i in range(0, 32, 4))


class DeviceKey(msgspec.Struct, frozen=True):
    """This device's Ed25519 signing key."""

    private: Any

    @property
    def public_raw(self) -> bytes:
        """The 32-byte public key."""
        return self.private.public_key().public_bytes_raw()

    def public_pem(self) -> bytes:
        """The public key as PEM, to export to the back office."""
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, sha256_hex: str) -> str:
        """A base64 signature over a hex digest."""
        return base64.b64encode(self.private.sign(sha256_hex.encode("ascii"))).decode("ascii")


def new_key() -> bytes:
    """A fresh Ed25519 private key, as the base64 of its 32 raw bytes (the key file's content).

    Raw rather than PEM: loading it needs only the ed25519 module, which keeps finalising fast.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()) + b"\n"


def load_key(data: bytes) -> DeviceKey:
    """The device key from its file; ValueError if the file is damaged."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = base64.b64decode(data.strip(), validate=True)
    return DeviceKey(Ed25519PrivateKey.from_private_bytes(raw))


class Verifier:
    """Checks signatures with one public key (from the device key or an exported PEM)."""

    def __init__(self, public_key: Any) -> None:
        self.public_key = public_key

    @classmethod
    def from_pem(cls, pem: bytes) -> Verifier:
        """A verifier from an exported public key; ValueError if it is not an Ed25519 key."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key)

    def fingerprint(self) -> str:
        """The fingerprint of this public key."""
        return fingerprint(self.public_key.public_bytes_raw())

    def valid(self, sha256_hex: str, signature_b64: str) -> bool:
        """Whether the signature over the digest is good."""
        from cryptography.exceptions import InvalidSignature

        try:
            self.public_key.verify(
                base64.b64decode(signature_b64, validate=True), sha256_hex.encode("ascii")
            )
        except (InvalidSignature, ValueError):
            return False
        return True

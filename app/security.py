"""API key material: generation, HMAC-SHA256 hashing with the server secret, roles.

A key reads ``cac_<prefix>_<secret>``. The prefix finds the row; the whole key is hashed with
HMAC-SHA256 under a server secret, so a stolen database alone cannot be used to check guesses,
and hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from enum import StrEnum
from pathlib import Path

from app.errors import InvalidRequest
from app.settings import Settings


class Role(StrEnum):
    """What a key may do."""

    INTEGRATION = "integration"  # post notes, read suggestions and final codes
    CODER = "coder"  # worklist, decisions, added codes, finalize and reopen
    ANALYST = "analyst"  # read-only
    ADMIN = "admin"  # API keys


SECRET_FILE = "server-secret.key"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The server secret from ``data_dir``; generated (owner-only file) on first start."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret.hex())
    return secret


def server_secret(settings: Settings) -> bytes:
    """The configured secret (``CAC_SECRET_KEY``, hex) or the one kept in the data dir."""
    if settings.secret_key is not None:
        try:
            secret = bytes.fromhex(settings.secret_key.get_secret_value())
        except ValueError:
            raise InvalidRequest("CAC_SECRET_KEY must be hex") from None
        if len(secret) < 32:
            raise InvalidRequest("CAC_SECRET_KEY must hold at least 32 bytes (64 hex digits)")
        return secret
    return load_or_create_secret(settings.data_dir)


def new_key() -> tuple[str, str]:
    """A fresh key and its lookup prefix."""
    prefix = secrets.token_hex(6)
    return f"cac_{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str | None:
    """The lookup prefix of a presented key, or None when it is not shaped like one."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cac" or not parts[1] or not parts[2]:
        return None
    return parts[1]


def hash_key(key: str, secret: bytes) -> str:
    """HMAC-SHA256 of the key under the server secret, hex encoded."""
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()


def key_matches(key: str, stored_hash: str, secret: bytes) -> bool:
    """Constant-time check of a presented key against its stored hash."""
    return hmac.compare_digest(hash_key(key, secret), stored_hash)

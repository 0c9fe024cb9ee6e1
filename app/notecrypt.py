"""Optional encryption of note text at rest: Fernet keys from ``CAC_NOTE_KEYS`` (MultiFernet).

``CAC_NOTE_KEYS`` holds comma-separated Fernet keys (``cac keys new-note-key`` makes one). The
first key encrypts; every key decrypts, so a new key goes first and the old ones stay until
``cac keys rotate-notes`` has re-encrypted every stored value with the new one.

A cipher belongs to one engine (its dialect object), so the column types in ``app.coltypes``
seal and open values without any process-wide state. A sealed value reads ``fernet:<token>``;
without keys, a plain value that happens to start with a marker is stored escaped as
``plain:<value>``, so stored values are never ambiguous.
"""

from __future__ import annotations

import json
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from app.errors import InvalidRequest, NoteKeysMissing
from app.settings import Settings

SEALED = "fernet:"
ESCAPED = "plain:"
JSON_FIELD = "fernet"


class NoteCipher:
    """Seals with the first key, opens with any of them."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise InvalidRequest("CAC_NOTE_KEYS holds no key")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise InvalidRequest(
                "CAC_NOTE_KEYS must be comma-separated Fernet keys (cac keys new-note-key)"
            ) from None

    def seal(self, text: str) -> str:
        """``text`` encrypted under the first key."""
        return SEALED + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The text of a sealed value; ``NoteKeysMissing`` when no configured key opens it."""
        try:
            return self._fernet.decrypt(sealed.removeprefix(SEALED).encode("ascii")).decode()
        except InvalidToken:
            raise NoteKeysMissing(
                "stored note text was encrypted with a key CAC_NOTE_KEYS does not hold"
            ) from None

    def reseal(self, stored: str) -> str:
        """A stored text value sealed under the first key (plain values get sealed)."""
        if stored.startswith(SEALED):
            try:
                token = self._fernet.rotate(stored.removeprefix(SEALED).encode("ascii"))
            except InvalidToken:
                raise NoteKeysMissing(
                    "a stored value was encrypted with a key CAC_NOTE_KEYS does not hold; "
                    "keep every old key listed until rotation is done"
                ) from None
            return SEALED + token.decode("ascii")
        return self.seal(stored.removeprefix(ESCAPED))


def cipher_from(settings: Settings) -> NoteCipher | None:
    """The cipher ``CAC_NOTE_KEYS`` configures, or None when note text is stored plain."""
    if settings.note_keys is None:
        return None
    keys = [key.strip() for key in settings.note_keys.get_secret_value().split(",")]
    return NoteCipher([key for key in keys if key])


def new_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode("ascii")


_CIPHERS: WeakKeyDictionary[Dialect, NoteCipher] = WeakKeyDictionary()


def attach(engine: Engine, cipher: NoteCipher | None) -> None:
    """Make ``engine`` seal note text with ``cipher`` (None: store it plain)."""
    if cipher is None:
        _CIPHERS.pop(engine.dialect, None)
    else:
        _CIPHERS[engine.dialect] = cipher


def cipher_of(dialect: Dialect) -> NoteCipher | None:
    """The cipher attached to the engine of ``dialect``."""
    return _CIPHERS.get(dialect)


def seal_text(value: str, dialect: Dialect) -> str:
    """The stored form of a text value."""
    cipher = _CIPHERS.get(dialect)
    if cipher is not None:
        return cipher.seal(value)
    return ESCAPED + value if value.startswith((SEALED, ESCAPED)) else value


def open_text(stored: str, dialect: Dialect) -> str:
    """The text of a stored value, sealed or plain."""
    if stored.startswith(SEALED):
        return _opener(dialect).open(stored)
    return stored.removeprefix(ESCAPED)


def seal_json(value: Any, dialect: Dialect) -> Any:
    """The stored form of a JSON value: ``{"fernet": "fernet:<token>"}`` when sealing."""
    cipher = _CIPHERS.get(dialect)
    return value if cipher is None else {JSON_FIELD: cipher.seal(json.dumps(value))}


def is_sealed_json(stored: Any) -> bool:
    """True for the stored form of a sealed JSON value."""
    return isinstance(stored, dict) and set(stored) == {JSON_FIELD}


def open_json(stored: Any, dialect: Dialect) -> Any:
    """The value of a stored JSON value, sealed or plain."""
    if is_sealed_json(stored):
        return json.loads(_opener(dialect).open(stored[JSON_FIELD]))
    return stored


def _opener(dialect: Dialect) -> NoteCipher:
    cipher = _CIPHERS.get(dialect)
    if cipher is None:
        raise NoteKeysMissing("stored note text is encrypted; set CAC_NOTE_KEYS to read it")
    return cipher

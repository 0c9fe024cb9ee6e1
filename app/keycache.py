"""Keys this process verified against the database in the last few seconds.

Looking the key up on every request cost a query per request and, on SQLite, took the write
lock for it on every POST (the request's session begins its transactions with the lock), so
concurrent note posts queued for it twice. A key verified here is trusted for ``ttl_s`` seconds
(``CAC_KEY_CACHE_S``); a key revoked through this process's API stops at once, one revoked
elsewhere (``cac keys revoke``, another worker or replica) within ``ttl_s``. Entries are keyed by
the key's HMAC under the server secret, so the cache never holds a plaintext key, and only keys
that matched are cached: unknown keys always reach the database.
"""

from __future__ import annotations

import threading
import time

from app.audit import Actor

# far more than the keys a deployment issues; when reached, the cache starts afresh
MAX_ENTRIES = 4096


class VerifiedKeys:
    """Actors of recently verified keys, by key HMAC, each for ``ttl_s`` seconds (0: never)."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Actor | None:
        """The actor of the key with this HMAC while its entry is fresh, else None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            actor, expires = entry
            if time.monotonic() < expires:
                return actor
            del self._entries[digest]
            return None

    def put(self, digest: str, actor: Actor) -> None:
        """Trust the key with this HMAC for ``ttl_s`` seconds from now."""
        if self._ttl_s <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = (actor, time.monotonic() + self._ttl_s)

    def forget(self, key_id: int) -> None:
        """Drop the key with this id (it was just revoked)."""
        with self._lock:
            for digest, (actor, _) in list(self._entries.items()):
                if actor.key_id == key_id:
                    del self._entries[digest]

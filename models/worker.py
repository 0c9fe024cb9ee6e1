"""The coder a process holds: one load per process, shared by ``cac eval``, ``cac bench`` and batch.

A loader is a zero-argument callable returning a ``Coder``; the default is
``models.engine.load_coder``. Worker processes (a process pool, a Spark executor's Python worker)
call ``process_coder`` with the same loader and get the coder their process already holds, so
code sets, indexes and the model are read once per process, never once per note or partition.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from codesets.errors import CACError
from models.coder import Coder

CoderLoader = Callable[[], Coder]

_lock = threading.Lock()
_coders: dict[str, Coder] = {}
_load_seconds: dict[str, float] = {}


class CoderLoadError(CACError):
    """The product's coder cannot be imported (``models.engine.load_coder`` is missing)."""


def default_loader() -> Coder:
    """Load the product coder with ``models.engine.load_coder`` (imported late: it is heavy)."""
    try:
        from models.engine import load_coder
    except ImportError as error:
        raise CoderLoadError(f"the coder cannot be loaded: {error}") from error
    coder: Coder = load_coder()
    return coder


def _key(loader: CoderLoader) -> str:
    # Keyed by name, not identity: a loader shipped to a Spark worker is unpickled afresh for each
    # task, and must still find the coder that worker process already loaded.
    module = getattr(loader, "__module__", None) or type(loader).__module__
    name = getattr(loader, "__qualname__", None) or type(loader).__qualname__
    return f"{module}:{name}"


def process_coder(loader: CoderLoader = default_loader) -> Coder:
    """The coder this process holds for ``loader``, loading it on first use."""
    key = _key(loader)
    with _lock:
        coder = _coders.get(key)
        if coder is None:
            started = time.perf_counter()
            coder = loader()
            _load_seconds[key] = time.perf_counter() - started
            _coders[key] = coder
        return coder


def load_seconds(loader: CoderLoader = default_loader) -> float | None:
    """How long this process took to load ``loader``'s coder (None if it has not loaded it)."""
    return _load_seconds.get(_key(loader))


def init_worker(loader: CoderLoader = default_loader) -> None:
    """Process-pool initializer: load the coder before the worker takes its first note."""
    process_coder(loader)

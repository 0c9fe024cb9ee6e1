"""Deferring the import of a module nothing in the pipeline uses until something reads it.

medSpaCy (whose ConText the pipeline runs) imports QuickUMLS at import time, and QuickUMLS
imports ``nltk``, which imports scipy.stats, scikit-learn and pandas: 1.5-3 s of every start-up
on the 2 shared cores, for a component the pipeline never adds (QuickUMLS reads ``nltk`` only
when one is built). ``defer`` puts a stand-in in ``sys.modules`` that imports the real module
on the first read of any attribute it does not hold, so nothing changes for code that uses it.
The stand-in holds the module's ``__file__``, ``__spec__`` and name, so scanning ``sys.modules``
(``inspect.getmodule``, which torch runs while registering its operators) does not load it.

thinc (spaCy's machine-learning layer) imports torch whenever it is installed, to offer torch
models; this pipeline is rules, matchers and ConText and runs none, and the ranker is scored in
NumPy (``models.ranker``). ``import_without`` imports thinc's compatibility module while torch
looks uninstalled to it: 2-3 s and about 190 MB less in every process that codes notes. torch
stays importable for whatever asks for it afterwards (``cac train``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(self), name)


def _load(stand_in: _Deferred) -> types.ModuleType:
    with _lock:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
        return importlib.import_module(stand_in.__name__)


def defer(name: str) -> bool:
    """Defer importing top-level module ``name``; False if already imported or not installed."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None:
        return False
    stand_in = _Deferred(name)
    stand_in.__file__ = spec.origin
    stand_in.__spec__ = spec
    sys.modules[name] = stand_in
    return True


def import_without(importer: str, hidden: str) -> bool:
    """Import ``importer`` while ``hidden`` looks uninstalled; False if either is loaded already."""
    if importer in sys.modules or hidden in sys.modules:
        return False
    sys.modules[hidden] = None  # type: ignore[assignment]  # importing it raises ImportError
    try:
        importlib.import_module(importer)
    finally:
        del sys.modules[hidden]
    return True

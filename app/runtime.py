"""What one running service holds: settings, database, secret, coder, code sets, metrics."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.codelookup import CodeSets
from app.keycache import VerifiedKeys
from app.metrics import Metrics
from app.ratelimit import TokenBuckets
from app.settings import Settings
from models.coder import Coder
from models.pool import CoderPool

log = logging.getLogger("cac.app")


@dataclass
class Runtime:
    """The service's long-lived objects, kept on ``app.state.runtime``."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    secret: bytes
    metrics: Metrics
    buckets: TokenBuckets
    verified_keys: VerifiedKeys
    coder: Coder | None = None
    codesets: CodeSets | None = None
    # why the coder or code sets are not loaded (error class names only)
    load_errors: dict[str, str] = field(default_factory=dict)


def load_factory(spec: str) -> Any:
    """Call the zero-argument factory named ``module:attribute``."""
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)()


@dataclass(frozen=True, slots=True)
class FactoryLoader:
    """A picklable loader calling the factory ``spec`` names, for coding processes to call."""

    spec: str

    def __call__(self) -> Coder:
        """The coder the factory returns."""
        coder: Coder = load_factory(self.spec)
        return coder


def load_components(runtime: Runtime) -> None:
    """Load the coder and code sets the settings name, unless tests supplied them.

    With ``coding_processes`` set, the coding processes load their coders while this process
    loads the code sets; this returns once every one of them has loaded.
    """
    settings = runtime.settings
    coder_loader: Callable[[], Coder] = FactoryLoader(settings.coder_factory)
    if runtime.coder is None and settings.coding_processes > 0:
        coder_loader = CoderPool(settings.coding_processes, coder_loader).started
    wanted: list[tuple[str, str, Callable[[], Any]]] = [
        ("codesets", settings.codesets_factory, partial(load_factory, settings.codesets_factory)),
        ("coder", settings.coder_factory, coder_loader),
    ]
    for name, spec, load in wanted:
        if getattr(runtime, name) is not None:
            continue
        try:
            setattr(runtime, name, load())
        except Exception as error:  # the service still starts; /ready reports it
            runtime.load_errors[name] = f"{type(error).__name__} loading {spec}"
            log.error("could not load %s from %s: %s", name, spec, type(error).__name__)
    # What was loaded lives as long as the process: out of the collector's reach, no full
    # collection walks it mid-request (``models.loading`` does the same for the coder; with
    # coding processes, this process holds only the code sets, which nothing else froze).
    gc.collect()
    gc.freeze()


def coder_running(runtime: Runtime) -> bool:
    """True when the coder is loaded and, with coding processes, one of them is running."""
    if isinstance(runtime.coder, CoderPool):
        return runtime.coder.running
    return runtime.coder is not None


def close_components(runtime: Runtime) -> None:
    """Stop the coding processes, if the coder has any, and close the database connections."""
    if isinstance(runtime.coder, CoderPool):
        runtime.coder.close()
    runtime.engine.dispose()

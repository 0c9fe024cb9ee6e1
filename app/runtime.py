"""What one running service holds: settings, database, secret, coder, code sets, metrics."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.codelookup import CodeSets
from app.metrics import Metrics
from app.ratelimit import TokenBuckets
from app.settings import Settings
from models.coder import Coder

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
    coder: Coder | None = None
    codesets: CodeSets | None = None
    # why the coder or code sets are not loaded (error class names only)
    load_errors: dict[str, str] = field(default_factory=dict)


def load_factory(spec: str) -> Any:
    """Call the zero-argument factory named ``module:attribute``."""
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)()


def load_components(runtime: Runtime) -> None:
    """Load the coder and code sets the settings name, unless tests supplied them."""
    wanted = [
        ("codesets", runtime.settings.codesets_factory),
        ("coder", runtime.settings.coder_factory),
    ]
    for name, spec in wanted:
        if getattr(runtime, name) is not None:
            continue
        try:
            setattr(runtime, name, load_factory(spec))
        except Exception as error:  # the service still starts; /ready reports it
            runtime.load_errors[name] = f"{type(error).__name__} loading {spec}"
            log.error("could not load %s from %s: %s", name, spec, type(error).__name__)

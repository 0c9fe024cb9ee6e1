"""Settings of the code-set layer: where the cache lives and which licensed files to add.

Read from the environment with the ``CAC_`` prefix (``CAC_CACHE_DIR``, ``CAC_CPT_FILE``,
``CAC_HCPCS_FILE``) through ``get_config()``, so tests can build their own ``CodeSetConfig``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_cache_dir() -> Path:
    """``var/cache/codesets`` in a source checkout, else ``$XDG_CACHE_HOME/cac/codesets``.

    A checkout (the package sits next to ``pyproject.toml``) keeps its cache beside the code,
    where ``.gitignore`` and the Docker volume (``/srv/cac/var``) already expect it; an installed
    package must not write into site-packages, so it falls back to the user's cache directory.
    """
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and os.access(root, os.W_OK):
        return root / "var" / "cache" / "codesets"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "cac" / "codesets"


class CodeSetConfig(BaseSettings):
    """Where the compact code-set cache is kept and which optional source files to load."""

    model_config = SettingsConfigDict(env_prefix="CAC_", extra="ignore")

    cache_dir: Path = Field(default_factory=default_cache_dir)
    cpt_file: Path | None = None
    hcpcs_file: Path | None = None


@lru_cache(maxsize=1)
def get_config() -> CodeSetConfig:
    """The process-wide settings, read once from the environment."""
    return CodeSetConfig()

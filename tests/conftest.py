"""Session fixtures shared by the test packages (add yours; keep each small)."""

from __future__ import annotations

import pytest

from codesets.store import CodeSets, get_codesets


@pytest.fixture(scope="session")
def codesets() -> CodeSets:
    """Every code set, loaded once per session from the cache (built first if missing)."""
    return get_codesets()

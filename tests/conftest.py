"""Session fixtures shared by the test packages (add yours; keep each small).

Playwright never downloads a browser here: ``browser`` launches Debian's ``/usr/bin/chromium``
once per session (one sync Playwright per process: a second one fails inside its event loop).
Without it the browser tests skip with the reason, except in CI (``CI=true``), where a missing
browser fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from codesets.store import CodeSets, get_codesets


@pytest.fixture(scope="session")
def codesets() -> CodeSets:
    """Every code set, loaded once per session from the cache (built first if missing)."""
    return get_codesets()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The system Chromium; skip (or fail in CI) when it is not installed."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"{CHROMIUM} is missing: install Debian's chromium (scripts/install-browser.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()

#!/usr/bin/env bash
# Set up everything (with the development tools) and run the whole test suite, lint and types.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
scripts/install-browser.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Set up a fresh clone: a virtual environment at .venv with every dependency, then the built
# code-set cache. Idempotent: a second run only checks. Usage: scripts/setup.sh [--dev]
# (--dev adds the test tools and pyspark for the Spark batch tests)
set -euo pipefail
cd "$(dirname "$0")/.."

target="."
if [[ "${1:-}" == "--dev" ]]; then target=".[dev,spark]"; fi

if [[ ! -x .venv/bin/python ]]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$(echo "$target" | tr -dc a-z)"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
  # torch==2.13.0 is pinned in pyproject.toml: on these machines pip takes the local CPU build.
  .venv/bin/python -m pip install --quiet -e "$target"
  rm -f .venv/.installed-* && touch "$stamp"
fi

# Build the compact code-set cache once (checked against the shipped data's checksums).
.venv/bin/cac codesets build-cache
# Precompute the sentence embeddings of code names for semantic matching (~1-2 min once).
.venv/bin/cac embed

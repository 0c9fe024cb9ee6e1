#!/usr/bin/env bash
# Set up everything and start the service on its embedded default (SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Code notes on every core (one coding process each, ~0.5 GB apiece, at most 8) unless the
# environment says otherwise; CAC_CODING_PROCESSES=0 codes in the request's thread.
cores=$(nproc)
export CAC_CODING_PROCESSES="${CAC_CODING_PROCESSES:-$((cores < 8 ? cores : 8))}"
exec .venv/bin/cac serve "$@"

#!/usr/bin/env bash
# Set up everything and start the service on its embedded default (SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/cac serve "$@"

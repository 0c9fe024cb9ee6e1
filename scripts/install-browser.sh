#!/usr/bin/env bash
# Debian's headless Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser). Skipped when present; without root or apt the browser tests skip.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "note: /usr/bin/chromium is missing and apt-get is not usable; browser tests will skip" >&2
fi

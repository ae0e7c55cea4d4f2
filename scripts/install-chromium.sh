#!/usr/bin/env bash
# Debian's chromium, for the review console's browser tests (Playwright drives it;
# Playwright's own browser download is not reachable here). Needs root; without it the
# browser tests report themselves as skipped with this reason.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "install-chromium: not root; browser tests will be skipped (apt-get install chromium to run them)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq chromium >/dev/null 2>&1 || echo "install-chromium: apt-get install chromium failed; browser tests will be skipped"
exit 0

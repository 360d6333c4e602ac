#!/usr/bin/env bash
# A Chromium for the browser tests (playwright-core drives it).
#   - Debian's `chromium` where apt is available (as root, or with passwordless sudo);
#   - otherwise Playwright's own build, downloaded by playwright-core into its cache.
# Idempotent, and quiet when a browser is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
  exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then
    exit 0
  fi
done

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo -n"
    fi
  fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "install-chromium: installing Debian's chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    if $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
      [ -x /usr/bin/chromium ] && exit 0
    fi
    echo "install-chromium: apt-get could not install chromium; trying Playwright's download" >&2
  fi
fi

# Playwright's build: its version matches playwright-core's in frontend/package-lock.json.
if [ ! -d frontend/node_modules/playwright-core ]; then
  echo "install-chromium: run 'cd frontend && npm ci' first" >&2
  exit 1
fi
cd frontend
if node -e "const {chromium}=require('playwright-core'); process.exit(require('fs').existsSync(chromium.executablePath())?0:1)" 2>/dev/null; then
  exit 0
fi
echo "install-chromium: downloading Playwright's Chromium"
npx --no-install playwright-core install chromium

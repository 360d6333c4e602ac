#!/usr/bin/env bash
# What the compose checks in the e2e suite run: Debian's docker-compose (to parse docker-compose.yml) and
# nginx (the web image's nginx.conf in front of the real server). Without them those tests would skip,
# and CI would never run them. Idempotent and quiet when both are there; needs root or passwordless sudo.
set -euo pipefail

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-test-tools: cannot install ${missing[*]} (not root, no sudo); the compose e2e checks will fail under CI" >&2
    exit 0
  fi
fi
echo "install-test-tools: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' services from starting (nginx would take port 80): the tests run their own nginx.
policy=/usr/sbin/policy-rc.d
created=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && created=1
fi
trap '[ -n "$created" ] && $SUDO rm -f "$policy"' EXIT
[ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock || true)" ] || $SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

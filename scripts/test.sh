#!/usr/bin/env bash
# `pnpm test`: every suite — unit, integration (PGlite; on PostgreSQL when TEST_DATABASE_URL
# is set, with the files about the embedded database on PGlite too: vitest.config.ts) and
# Playwright e2e through nginx. On a fresh Debian machine it installs what the e2e needs
# (Chromium, nginx, openssl) first.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl) # local TLS certificate for the e2e mail server
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

reports="$(pwd)/.tmp/test-reports"
rm -rf "$reports" && mkdir -p "$reports"

# The e2e suite drives the built app; build once up front.
pnpm run build

status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1
PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" pnpm --filter @jutsu/e2e run test || status=1

node scripts/test-summary.mjs "$reports" || status=1
exit $status

#!/usr/bin/env bash
# Audits the lockfile for known vulnerabilities: fails on high or critical ones when the
# registry's advisory service answers, and says plainly that the audit was SKIPPED when it
# does not (some build machines reach the package registry but not its audit endpoints).
set -uo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
corepack pnpm audit --audit-level high --json >"$out" 2>&1
node scripts/ci/audit-verdict.mjs "$out"

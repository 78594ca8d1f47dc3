#!/bin/sh
# Container entrypoint for the API image.
#   no arguments   apply migrations, then serve (exec: node becomes PID 1's child
#                  under `init: true`, or PID 1 itself, and receives SIGTERM)
#   arguments      run that CLI command instead, e.g.
#                  docker compose run --rm api audit verify
# Secrets arrive as *_FILE variables and are read by the app itself; this script
# never reads, prints or exports them (and never uses `set -x`).
set -eu

cd "$(dirname "$0")/.."   # /app: the app resolves ./data and its assets from here

if [ "$#" -gt 0 ]; then
  exec node apps/api/dist/main.js "$@"
fi

# Idempotent and safe with several replicas: the migrator takes an advisory lock.
node apps/api/dist/main.js migrate
exec node apps/api/dist/main.js serve

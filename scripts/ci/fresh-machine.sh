#!/usr/bin/env bash
# Proves the README's start command works verbatim on a fresh machine: Node and corepack,
# but no `pnpm` on PATH (corepack never enabled). Runs the command from the README's
# first code block in a fresh clone of this checkout, waits until `/` answers and the
# bootstrap link is printed, then stops it. Exits non-zero on any failure.
#
# Usage: scripts/ci/fresh-machine.sh            (from a checkout)
# Prints the PATH without pnpm for the caller with: scripts/ci/fresh-machine.sh --path
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"

# PATH with every directory that holds a `pnpm` removed (a shim on a developer machine).
path_without_pnpm() {
  local out="" dir
  IFS=':' read -r -a dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] || continue
    { [ -e "$dir/pnpm" ] || [ -e "$dir/pnpx" ]; } && continue
    out="${out:+$out:}$dir"
  done
  printf '%s' "$out"
}
clean_path="$(path_without_pnpm)"
if [ "${1:-}" = "--path" ]; then printf '%s\n' "$clean_path"; exit 0; fi

if PATH="$clean_path" command -v pnpm >/dev/null 2>&1; then echo "fresh-machine: could not hide pnpm from PATH" >&2; exit 1; fi
PATH="$clean_path" command -v corepack >/dev/null || { echo "fresh-machine: corepack is missing" >&2; exit 1; }

# The README's commands: the first two lines of its first ``` block, comments dropped.
readme_cmd() { awk '/^```/{n++; next} n==1' "$repo/README.md" | sed -n "${1}p" | sed 's/[[:space:]]*#.*$//'; }
start_cmd="$(readme_cmd 1)"
[ -n "$start_cmd" ] || { echo "fresh-machine: no start command in README.md" >&2; exit 1; }

work="$(mktemp -d)"
port=$(( 20000 + RANDOM % 20000 ))
server_pid=""
finish() {
  if [ -n "$server_pid" ]; then kill -TERM -- "-$server_pid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap finish EXIT
git clone --quiet "$repo" "$work/clone"
echo "fresh-machine: \`$start_cmd\` in a fresh clone, PATH without pnpm, port $port"
(
  cd "$work/clone"
  # Its own process group, so the whole tree stops at the end.
  exec setsid env PATH="$clean_path" PORT="$port" COREPACK_ENABLE_DOWNLOAD_PROMPT=0 bash -c "$start_cmd"
) >"$work/start.log" 2>&1 &
server_pid=$!

deadline=$(( $(date +%s) + ${FRESH_START_TIMEOUT:-600} ))
while :; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fresh-machine: the start command exited early:" >&2; tail -40 "$work/start.log" >&2; exit 1
  fi
  if grep -q 'create the admin account at http' "$work/start.log" \
    && curl -fsS -o "$work/index.html" "http://127.0.0.1:$port/" 2>/dev/null \
    && grep -qi '<div id="root"' "$work/index.html"; then
    break
  fi
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "fresh-machine: timed out waiting for / and the bootstrap link:" >&2; tail -40 "$work/start.log" >&2; exit 1
  fi
  sleep 2
done
echo "fresh-machine: / answered with the SPA and the bootstrap link was printed"

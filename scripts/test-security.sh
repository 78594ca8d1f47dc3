#!/usr/bin/env bash
# `pnpm test:security`: scanners no one here wrote, against the built API behind the shipped
# nginx config with TLS on (a throwaway self-signed certificate): testssl.sh on nginx's TLS,
# wapiti (signed in as the admin) crawling and attacking the SPA and the API, sqlmap on
# every string field of the procedures that take input (SECURITY_SCAN=full; by default a
# bounded subset). Debian's packages, installed when missing. Bounded to about four minutes
# (full: about seven); fails on any finding above informational that docs/decisions.md does
# not explain (scripts/security/verdict.mjs holds that list) and on any 5xx sqlmap provokes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

missing=()
command -v wapiti >/dev/null 2>&1 || missing+=(wapiti)
command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
command -v testssl >/dev/null 2>&1 || command -v testssl.sh >/dev/null 2>&1 || missing+=(testssl.sh)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
testssl_bin=$(command -v testssl || command -v testssl.sh)

[ -f apps/api/dist/main.js ] && [ -d apps/web/dist ] || corepack pnpm run build

work=$(mktemp -d "${TMPDIR:-/tmp}/jutsu-security-XXXXXX")
reports=$root/.tmp/security-reports
rm -rf "$reports" && mkdir -p "$reports"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
api_port=$(free_port)
web_port=$(free_port)
base="https://localhost:$web_port"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

admin_password="$(openssl rand -hex 12) scan"
# Traffic limits are raised for this stack only, the API's (sign-ins per address, reads and
# admin calls per user) and nginx's per-address /api rate: the scanners send thousands of
# requests from one address as one user, and a 429 would hide what the code behind each
# procedure does with them. The limits themselves are proved by the integration tests
# (http.int.test.ts, nginx-edge.int.test.ts); the per-account sign-in penalties and the
# sensitive, second-factor and invitation buckets stay as shipped.
env -i PATH="$PATH" NODE_ENV=production PORT="$api_port" HOST=127.0.0.1 PUBLIC_URL="$base" \
  PGLITE_DIR="$work/pglite" SECRET_KEY="$(openssl rand -base64 48)" ENCRYPTION_KEYS="scan:$(openssl rand -base64 32)" \
  TRUSTED_PROXIES=127.0.0.1 LOG_LEVEL=warn LOGIN_RATE_LIMIT=1000 RATE_LIMITS=api=100000,admin=100000,public=100000 \
  ADMIN_USERNAME=owner ADMIN_PASSWORD="$admin_password" \
  node apps/api/dist/main.js serve >"$reports/api.log" 2>&1 &
pids+=($!)
NGINX_REAL_IP_FROM=127.0.0.1 NGINX_REAL_IP_HEADER=X-Forwarded-For NGINX_API_RATE=2000 NGINX_API_BURST=4000 \
  TLS_CERT="$work/cert.pem" TLS_KEY="$work/key.pem" bash scripts/nginx-local.sh "$web_port" "127.0.0.1:$api_port" "$work/nginx" >"$reports/nginx.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -skf "$base/healthz" >/dev/null 2>&1 && break; kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.5; done
curl -skf "$base/healthz" >/dev/null || { echo "the stack did not start" >&2; cat "$reports/api.log" >&2; exit 1; }

# Signed in as the admin: the access token goes to wapiti and sqlmap as a header.
token=$(curl -sk -X POST "$base/api/auth/auth.login" -H 'content-type: application/json' \
  --data "$(node -e 'console.log(JSON.stringify({json:{username:"owner",password:process.argv[1]}}))' "$admin_password")" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s)?.result?.data?.json?.accessToken;if(!t)process.exit(1);console.log(t)})') ||
  { echo "could not sign in for the scan" >&2; exit 1; }
auth="Authorization: Bearer $token"
started=$(date +%s)

echo "== testssl.sh (nginx TLS)"
timeout 150 "$testssl_bin" --quiet --color 0 --warnings off --fast --ip 127.0.0.1 \
  -p -S -h -f -U --jsonfile "$reports/testssl.json" "$base" >"$reports/testssl.txt" 2>&1 || true
echo "   $(( $(date +%s) - started )) s"

echo "== wapiti (signed in; SPA and API)"
# wapiti runs no JavaScript, so crawling the SPA finds only its shell: it starts instead from
# the SPA's routes and from every query that takes input, called as the SPA calls it (GET
# ?input=, a sample its own schema accepts; the same list as sqlmap's, read from the router).
(cd apps/api && node --import tsx src/testing/sqlmap-targets.ts) >"$work/all-targets.tsv" 2>/dev/null
seeds=()
for route in login overview positions trades performance engine engine/orders engine/configuration engine/schedules \
  admin/users admin/invitations admin/security-log admin/schwab settings/security settings/status status; do
  seeds+=(-s "$base/$route")
done
while IFS= read -r path; do seeds+=(-s "$base${path//\*/}"); done < <(awk -F'\t' '$2=="GET"{split($1,n,"@"); if(!seen[n[1]]++) print $3}' "$work/all-targets.tsv")
echo "   $(( ${#seeds[@]} / 2 )) start URLs"
access_log=$work/nginx/access.log
before=$(wc -l <"$access_log")
timeout 120 wapiti -u "$base/" --scope domain --verify-ssl 0 -H "$auth" --flush-session "${seeds[@]}" \
  -m "sql,blindsql,xss,exec,file,crlf,redirect,ssrf,http_headers,cookieflags,csp,methods" \
  -d 3 --max-scan-time 75 --max-attack-time 10 \
  -f json -o "$reports/wapiti.json" >"$reports/wapiti.txt" 2>&1 || true
# nginx's answers to wapiti's requests, by status (log line: addr [time] "request" status …).
tail -n +$((before + 1)) "$access_log" | awk -F'"' '{split($3, a, " "); print a[1]}' | sort | uniq -c >"$reports/wapiti-statuses.txt"
echo "   $(( $(date +%s) - started )) s"

# Every query and mutation that takes input, listed from the router itself with a sample its
# own schema accepts and each string field an injection point (apps/api/src/testing/
# sqlmap-targets.ts). SECURITY_SCAN=full scans them all; by default a bounded subset.
mode=${SECURITY_SCAN:-ci}
echo "== sqlmap ($mode: procedures that take input)"
(cd apps/api && node --import tsx src/testing/sqlmap-targets.ts $([ "$mode" = full ] || echo --ci)) \
  >"$work/sqlmap-targets.tsv" 2>"$reports/sqlmap-targets.txt"
cat "$reports/sqlmap-targets.txt" | sed 's/^/   /'
post() { # <path> <json body> <x-forwarded-for> [bearer]: prints the answer's json
  curl -sk -X POST "$base$1" -H 'content-type: application/json' -H "X-Forwarded-For: $3" ${4:+-H "Authorization: Bearer $4"} --data "$2"
}
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=process.argv[1].split(".").reduce((o,k)=>o?.[k],JSON.parse(s||"{}"));if(v==null)process.exit(1);console.log(v)})' "$1"; }
# Each target scans as its own admin, invited by the owner and signed in from its own address
# (the scan's nginx trusts X-Forwarded-For from localhost): the per-user and per-address
# buckets (10 a minute for sensitive procedures) then count one target's requests only, and
# a target that locks or step-up-blocks its account leaves the others alone.
owner_login() {
  post /api/auth/auth.login "$(node -e 'console.log(JSON.stringify({json:{username:"owner",password:process.argv[1]}}))' "$admin_password")" 10.78.0.1 |
    field result.data.json.accessToken
}
sqlmap_target() { # <index> <owner token> <name> <method> <path> <body> <rate-limit bucket>
  local i=$1 owner=$2 name=$3 method=$4 path=$5 body=$6 bucket=$7 ip="10.77.$(($1 / 200)).$(($1 % 200 + 1))" invite tok
  invite=$(post /api/trpc/invitation.create '{"json":{"role":"admin"}}' 10.78.0.1 "$owner" | field result.data.json.url) &&
    tok=$(post /api/auth/invitation.accept "$(node -e 'console.log(JSON.stringify({json:{token:process.argv[1].split("/").pop(),username:"scan"+process.argv[2],password:require("crypto").randomBytes(12).toString("hex")+" scan"}}))' "$invite" "$i")" "10.79.$(($1 / 200)).$(($1 % 200 + 1))" | field result.data.json.accessToken) ||
    { echo "could not make the scan account for $name" >"$reports/sqlmap-$name.txt"; return; }
  local args=(-u "$base$path")
  [ "$method" = POST ] && args+=(--method POST -H 'Content-Type: application/json' --data "$body")
  # Buckets of 10 a minute (sensitive, sign-in, invitation links) would answer most of a full
  # run with 429: there sqlmap sends only its heuristic probes (--smart), about five requests.
  # Elsewhere at most 20 a second, the shipped nginx's limit for one address (raised here).
  case $bucket in api | admin | public) args+=(--delay 0.05) ;; *) args+=(--smart) ;; esac
  # Exporting the security log is the owner's alone: scanned as the owner, with the probes only
  # (the owner's admin bucket also pays for every invitation).
  case $name in admin.securityEvents.export@*) tok=$owner args+=(--smart) ;; esac
  # Refusals (400, 401, 403, 404, 409, 429) are the pages sqlmap compares, not a reason to stop.
  timeout "$budget" sqlmap --batch --disable-coloring -v 0 --level 1 --risk 1 --technique BEU --timeout 10 --retries 1 \
    --flush-session --output-dir "$work/sqlmap/$name" -t "$work/sqlmap-$name.traffic" --ignore-code '*' --skip-waf \
    -H "Authorization: Bearer $tok" -H "X-Forwarded-For: $ip" "${args[@]}" >"$reports/sqlmap-$name.txt" 2>&1 || true
  echo "responses: $(grep -o '^HTTP response \[#[0-9]*\] ([0-9]*' "$work/sqlmap-$name.traffic" 2>/dev/null | sed 's/.*(//' | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" >>"$reports/sqlmap-$name.txt"
}
budget=$([ "$mode" = full ] && echo 120 || echo 60)
jobs_max=${SECURITY_SCAN_JOBS:-4}
i=0
scans=()
owner=$token
owner_at=$started
running() { local n=0 p; for p in "${scans[@]}"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }
while IFS=$'\t' read -r name method path body bucket; do
  i=$((i + 1))
  while [ "$(running)" -ge "$jobs_max" ]; do sleep 1; done
  # Inviting asks for a sign-in under 15 minutes old.
  [ $(($(date +%s) - owner_at)) -lt 600 ] || { owner=$(owner_login) && owner_at=$(date +%s); } || { echo "could not sign in again" >&2; exit 1; }
  sqlmap_target "$i" "$owner" "$name" "$method" "$path" "$body" "$bucket" &
  scans+=($!)
  pids+=($!)
done <"$work/sqlmap-targets.tsv"
for p in "${scans[@]}"; do wait "$p" || true; done
echo "   $i fields of $(cut -f1 "$work/sqlmap-targets.tsv" | sed 's/@.*//' | sort -u | wc -l) procedures scanned, $(grep -c '^skipped' "$reports/sqlmap-targets.txt" || true) skipped; $(( $(date +%s) - started )) s"

node scripts/security/verdict.mjs "$reports"

#!/bin/sh
# Renders docker/nginx.conf.template: the one renderer for the Docker image
# (docker/nginx.Dockerfile) and local runs (scripts/nginx-local.sh). POSIX sh, so
# it runs on the image's busybox too.
#
#   nginx-render.sh <template> <output>
#
# Environment (validated: every value is pasted into nginx syntax unquoted):
#   LISTEN_PORT, UPSTREAM, TEMP_DIR, ACCESS_LOG   required
#   HSTS_LINE                                     optional (the add_header line, or empty)
#   NGINX_REAL_IP_FROM    optional: addresses/CIDRs of the tunnel or load balancer in
#                         front of nginx, comma- or space-separated; only requests from
#                         them may name the client's address
#   NGINX_REAL_IP_HEADER  the header that names it (default X-Forwarded-For; e.g.
#                         CF-Connecting-IP for cloudflared); needs NGINX_REAL_IP_FROM
#   NGINX_API_RATE        requests per second per address to /api (default 20)
#   NGINX_API_BURST       how many beyond that rate are let through at once (default 40)
#   TLS_CERT, TLS_KEY     optional, together: nginx itself serves https (for installs not
#                         behind a TLS-terminating tunnel): TLS 1.2 and 1.3 only, forward-
#                         secret AEAD ciphers, OCSP stapling (when the certificate names a
#                         responder); set HSTS_LINE too
set -eu
[ $# -eq 2 ] || { echo "usage: $0 <template> <output>" >&2; exit 64; }
template=$1
out=$2
: "${HSTS_LINE:=}"
: "${NGINX_REAL_IP_FROM:=}"
: "${NGINX_REAL_IP_HEADER:=}"
: "${TLS_CERT:=}"
: "${TLS_KEY:=}"
: "${NGINX_API_RATE:=20}"
: "${NGINX_API_BURST:=40}"

fail() { echo "nginx-render: $*" >&2; exit 64; }
case "$LISTEN_PORT" in ''|*[!0-9.:]*) fail "bad LISTEN_PORT" ;; esac
case "$UPSTREAM" in ''|*[!]A-Za-z0-9.:[-]*) fail "bad UPSTREAM" ;; esac
case "$TEMP_DIR" in /*) ;; *) fail "TEMP_DIR must be absolute" ;; esac
case "$TEMP_DIR" in *[!A-Za-z0-9._/-]*) fail "bad TEMP_DIR" ;; esac
case "$ACCESS_LOG" in *[!A-Za-z0-9._/-]*|'') fail "bad ACCESS_LOG" ;; esac
case "$HSTS_LINE" in *[\|\&\\]*) fail "bad HSTS_LINE" ;; esac
for v in "$NGINX_API_RATE" "$NGINX_API_BURST"; do
  case "$v" in ''|*[!0-9]*) fail "NGINX_API_RATE and NGINX_API_BURST are whole numbers" ;; esac
  [ "${#v}" -le 6 ] || fail "NGINX_API_RATE and NGINX_API_BURST are at most 999999"
done
[ "$NGINX_API_RATE" -ge 1 ] || fail "NGINX_API_RATE must be at least 1"

listen_tls=
tls=
if [ -n "$TLS_CERT$TLS_KEY" ]; then
  [ -n "$TLS_CERT" ] && [ -n "$TLS_KEY" ] || fail "TLS_CERT and TLS_KEY go together"
  for f in "$TLS_CERT" "$TLS_KEY"; do
    case "$f" in /*) ;; *) fail "TLS_CERT/TLS_KEY must be absolute paths" ;; esac
    case "$f" in *[!A-Za-z0-9._/-]*) fail "bad TLS_CERT/TLS_KEY path: $f" ;; esac
  done
  listen_tls=" ssl"
  # Mozilla's "intermediate" profile: TLS 1.2 with ECDHE + AEAD only, and TLS 1.3. No
  # session tickets (their key never rotates in a long-running nginx).
  tls="ssl_certificate $TLS_CERT; ssl_certificate_key $TLS_KEY; \
ssl_protocols TLSv1.2 TLSv1.3; \
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305; \
ssl_prefer_server_ciphers off; ssl_ecdh_curve X25519:prime256v1:secp384r1; \
ssl_session_timeout 1d; ssl_session_cache shared:jutsu_tls:10m; ssl_session_tickets off; \
ssl_stapling on; ssl_stapling_verify on;"
fi

real_ip=
if [ -n "$NGINX_REAL_IP_FROM" ]; then
  header=${NGINX_REAL_IP_HEADER:-X-Forwarded-For}
  case "$header" in ''|*[!A-Za-z0-9-]*) fail "bad NGINX_REAL_IP_HEADER: $header" ;; esac
  for cidr in $(echo "$NGINX_REAL_IP_FROM" | tr ',' ' '); do
    case "$cidr" in *[!0-9A-Fa-f.:/]*) fail "bad address in NGINX_REAL_IP_FROM: $cidr" ;; esac
    # Trusting everyone would let every client choose its own address.
    case "$cidr" in */0|*/00) fail "NGINX_REAL_IP_FROM must not trust every address: $cidr" ;; esac
    real_ip="${real_ip}set_real_ip_from $cidr; "
  done
  [ -n "$real_ip" ] || fail "NGINX_REAL_IP_FROM is empty"
  # recursive: with X-Forwarded-For, the last address not itself a trusted proxy.
  real_ip="${real_ip}real_ip_header $header; real_ip_recursive on;"
elif [ -n "$NGINX_REAL_IP_HEADER" ]; then
  fail "NGINX_REAL_IP_HEADER needs NGINX_REAL_IP_FROM (whose header to believe)"
fi

# sed, not envsubst: envsubst would also eat nginx's own $variables. The values were
# checked above and cannot contain the delimiter `|`, `&` or `\`.
sed -e "s|\${LISTEN_PORT}|${LISTEN_PORT}|g" \
    -e "s|\${UPSTREAM}|${UPSTREAM}|g" \
    -e "s|\${TEMP_DIR}|${TEMP_DIR}|g" \
    -e "s|\${HSTS_LINE}|${HSTS_LINE}|g" \
    -e "s|\${ACCESS_LOG}|${ACCESS_LOG}|g" \
    -e "s|\${REAL_IP}|${real_ip}|g" \
    -e "s|\${LISTEN_TLS}|${listen_tls}|g" \
    -e "s|\${TLS}|${tls}|g" \
    -e "s|\${API_RATE}|${NGINX_API_RATE}|g" \
    -e "s|\${API_BURST}|${NGINX_API_BURST}|g" \
    "$template" >"$out.tmp"
if grep -nE '\$\{(LISTEN_PORT|UPSTREAM|TEMP_DIR|HSTS_LINE|ACCESS_LOG|REAL_IP|LISTEN_TLS|TLS|API_RATE|API_BURST)\}' "$out.tmp" >&2; then
  echo "nginx-render: unrendered placeholder left in $out.tmp" >&2
  exit 70
fi
mv "$out.tmp" "$out"

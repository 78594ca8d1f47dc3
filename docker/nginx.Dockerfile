# syntax=docker/dockerfile:1
# nginx in front of the API, for docker-compose.yml (DESIGN §5, §7).
#   docker build -f docker/nginx.Dockerfile -t jutsu-labs-nginx .
# Same template as the local e2e runs (docker/nginx.conf.template), rendered at
# start with HSTS on. nginx-unprivileged runs as uid 101, listens on 8080 and has a
# writable /tmp; pin it by digest in production (`docker pull` then image@sha256:…).
FROM nginxinc/nginx-unprivileged:stable-alpine

COPY docker/nginx.conf.template /etc/nginx/jutsu/nginx.conf.template

# Renders the template with sed (same substitution as scripts/nginx-local.sh),
# checks it, then runs nginx in the foreground as PID 1.
COPY --chmod=0755 <<'EOF' /usr/local/bin/jutsu-nginx
#!/bin/sh
set -eu
: "${LISTEN_PORT:=8080}"
: "${UPSTREAM:=api:8080}"
: "${TEMP_DIR:=/tmp/nginx}"
# Production only: the site is served over https by the tunnel/TLS terminator.
HSTS_LINE='add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'

# Values are pasted into nginx syntax unquoted: accept only safe shapes.
case "$LISTEN_PORT" in ''|*[!0-9.:]*) echo "jutsu-nginx: bad LISTEN_PORT" >&2; exit 64 ;; esac
case "$UPSTREAM" in ''|*[!A-Za-z0-9.:-]*) echo "jutsu-nginx: bad UPSTREAM" >&2; exit 64 ;; esac
case "$TEMP_DIR" in /*) ;; *) echo "jutsu-nginx: TEMP_DIR must be absolute" >&2; exit 64 ;; esac
case "$TEMP_DIR" in *[!A-Za-z0-9._/-]*) echo "jutsu-nginx: bad TEMP_DIR" >&2; exit 64 ;; esac

for d in client_body_temp proxy_temp fastcgi_temp uwsgi_temp scgi_temp logs; do
  mkdir -p "$TEMP_DIR/$d"
done
sed -e "s|\${LISTEN_PORT}|${LISTEN_PORT}|g" \
    -e "s|\${UPSTREAM}|${UPSTREAM}|g" \
    -e "s|\${TEMP_DIR}|${TEMP_DIR}|g" \
    -e "s|\${HSTS_LINE}|${HSTS_LINE}|g" \
    -e "s|\${ACCESS_LOG}|/dev/stdout|g" \
    /etc/nginx/jutsu/nginx.conf.template >"$TEMP_DIR/nginx.conf"
if grep -qE '\$\{(LISTEN_PORT|UPSTREAM|TEMP_DIR|HSTS_LINE|ACCESS_LOG)\}' "$TEMP_DIR/nginx.conf"; then
  echo "jutsu-nginx: unrendered placeholder in $TEMP_DIR/nginx.conf" >&2
  exit 70
fi
nginx -t -q -c "$TEMP_DIR/nginx.conf" -p "$TEMP_DIR/"
exec nginx -c "$TEMP_DIR/nginx.conf" -p "$TEMP_DIR/" -g 'daemon off;'
EOF

ENV LISTEN_PORT=8080 \
    UPSTREAM=api:8080 \
    TEMP_DIR=/tmp/nginx
# The base image already switched to its unprivileged user; say so explicitly.
USER 101
EXPOSE 8080
# SIGQUIT = graceful shutdown (finish in-flight requests), as in the official image.
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/usr/local/bin/jutsu-nginx"]

# syntax=docker/dockerfile:1
# nginx in front of the API, for docker-compose.yml (docs/architecture.md §1, §6).
#   docker build -f docker/nginx.Dockerfile -t jutsu-labs-nginx .
# Same template as the local e2e runs (docker/nginx.conf.template), rendered at
# start with HSTS on. nginx-unprivileged runs as uid 101, listens on 8080 and has a
# writable /tmp; pin it by digest in production (`docker pull` then image@sha256:…).
FROM nginxinc/nginx-unprivileged:stable-alpine

COPY docker/nginx.conf.template /etc/nginx/jutsu/nginx.conf.template
COPY --chmod=0755 docker/nginx-render.sh /usr/local/bin/jutsu-nginx-render

# Renders the template (same renderer as scripts/nginx-local.sh), checks it, then
# runs nginx in the foreground as PID 1. NGINX_REAL_IP_FROM / NGINX_REAL_IP_HEADER
# (unset by default) name the tunnel in front and its client-IP header. TLS_CERT /
# TLS_KEY (paths of a mounted certificate and key, unset by default) make nginx serve
# https itself, for installs that are not behind a TLS-terminating tunnel.
COPY --chmod=0755 <<'EOF' /usr/local/bin/jutsu-nginx
#!/bin/sh
set -eu
: "${LISTEN_PORT:=8080}"
: "${UPSTREAM:=api:8080}"
: "${TEMP_DIR:=/tmp/nginx}"
case "$TEMP_DIR" in /*) ;; *) echo "jutsu-nginx: TEMP_DIR must be absolute" >&2; exit 64 ;; esac
case "$TEMP_DIR" in *[!A-Za-z0-9._/-]*) echo "jutsu-nginx: bad TEMP_DIR" >&2; exit 64 ;; esac
for d in client_body_temp proxy_temp fastcgi_temp uwsgi_temp scgi_temp logs; do
  mkdir -p "$TEMP_DIR/$d"
done
# Production only: the site is served over https, by the tunnel/TLS terminator or (TLS_CERT) by nginx.
LISTEN_PORT=$LISTEN_PORT UPSTREAM=$UPSTREAM TEMP_DIR=$TEMP_DIR ACCESS_LOG=/dev/stdout \
  HSTS_LINE='add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;' \
  jutsu-nginx-render /etc/nginx/jutsu/nginx.conf.template "$TEMP_DIR/nginx.conf"
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

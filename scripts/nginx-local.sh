#!/usr/bin/env bash
# Runs nginx in the foreground in front of a locally running API, with the same
# config the Docker image uses (docker/nginx.conf.template), minus HSTS (plain http).
#
#   scripts/nginx-local.sh <listen_port> <upstream_host:port> <temp_dir>
#
# NGINX_REAL_IP_FROM / NGINX_REAL_IP_HEADER in the environment configure a trusted
# proxy in front, as in the image (see docker/nginx-render.sh). TLS_CERT / TLS_KEY
# (absolute paths) serve https instead, with HSTS, as the image does with them.
#
# Renders <temp_dir>/nginx.conf, checks it with `nginx -t`, then execs nginx
# (so the caller's PID is nginx's: send it SIGTERM/SIGQUIT to stop it).
# Listens on 127.0.0.1 only. Works as root and as an unprivileged user.
set -euo pipefail

usage() {
  echo "usage: $0 <listen_port> <upstream_host:port> <temp_dir>" >&2
  exit 64
}
[[ $# -eq 3 ]] || usage
listen_port=$1
upstream=$2
temp_dir=$3

# The values are pasted into nginx syntax unquoted: accept only safe shapes.
[[ $listen_port =~ ^[0-9]{1,5}$ ]] && ((listen_port >= 1 && listen_port <= 65535)) ||
  { echo "nginx-local: bad listen port: $listen_port" >&2; exit 64; }
[[ $upstream =~ ^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$ ]] ||
  { echo "nginx-local: upstream must be host:port, got: $upstream" >&2; exit 64; }
[[ $temp_dir =~ ^[A-Za-z0-9._/-]+$ ]] ||
  { echo "nginx-local: temp_dir may only contain [A-Za-z0-9._/-]: $temp_dir" >&2; exit 64; }

nginx_bin=/usr/sbin/nginx
if [[ ! -x $nginx_bin ]]; then
  nginx_bin=$(command -v nginx || true)
  [[ -n $nginx_bin ]] || { echo "nginx-local: nginx not found (apt-get install nginx)" >&2; exit 69; }
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
template=$repo_root/docker/nginx.conf.template

mkdir -p "$temp_dir"
temp_dir=$(cd "$temp_dir" && pwd -P) # nginx wants absolute paths
for d in client_body_temp proxy_temp fastcgi_temp uwsgi_temp scgi_temp logs; do
  mkdir -p "$temp_dir/$d"
done

conf=$temp_dir/nginx.conf
hsts=''
[[ -z ${TLS_CERT:-} ]] || hsts='add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
LISTEN_PORT=127.0.0.1:$listen_port UPSTREAM=$upstream TEMP_DIR=$temp_dir \
  ACCESS_LOG=$temp_dir/access.log HSTS_LINE=$hsts \
  sh "$repo_root/docker/nginx-render.sh" "$template" "$conf"

"$nginx_bin" -t -q -c "$conf" -p "$temp_dir/"
exec "$nginx_bin" -c "$conf" -p "$temp_dir/" -g 'daemon off;'

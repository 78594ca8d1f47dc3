#!/usr/bin/env bash
# Runs nginx in the foreground in front of a locally running API, with the same
# config the Docker image uses (docker/nginx.conf.template), minus HSTS (plain http).
#
#   scripts/nginx-local.sh <listen_port> <upstream_host:port> <temp_dir>
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

# sed, not envsubst: envsubst may be missing and would also eat nginx's own $vars
# if misused. `|` is the sed delimiter; the values were validated above and
# cannot contain it, `&` or `\`.
conf=$temp_dir/nginx.conf
sed -e "s|\${LISTEN_PORT}|127.0.0.1:${listen_port}|g" \
    -e "s|\${UPSTREAM}|${upstream}|g" \
    -e "s|\${TEMP_DIR}|${temp_dir}|g" \
    -e "s|\${HSTS_LINE}||g" \
    -e "s|\${ACCESS_LOG}|${temp_dir}/access.log|g" \
    "$template" >"$conf.tmp"
if grep -nE '\$\{(LISTEN_PORT|UPSTREAM|TEMP_DIR|HSTS_LINE|ACCESS_LOG)\}' "$conf.tmp" >&2; then
  echo "nginx-local: unrendered placeholder left in $conf.tmp" >&2
  exit 70
fi
mv "$conf.tmp" "$conf"

"$nginx_bin" -t -q -c "$conf" -p "$temp_dir/"
exec "$nginx_bin" -c "$conf" -p "$temp_dir/" -g 'daemon off;'

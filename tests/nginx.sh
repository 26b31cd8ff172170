#!/usr/bin/env bash
# A private nginx (Debian's nginx-light) in front of vanthu, on 127.0.0.1, serving the
# shipped site configuration with a test certificate (tests/test-cert.sh: DIR/ca.pem).
#
#   tests/nginx.sh start DIR SITE UPSTREAM TLS_PORT PLAIN_PORT [BIND]
#   tests/nginx.sh stop DIR
#
# SITE is deploy/nginx-vanthu.conf (or the installed copy); its ports, certificate paths
# and upstream (http://127.0.0.1:8080) are replaced by TLS_PORT, PLAIN_PORT, DIR's
# certificate and UPSTREAM. With BIND, nginx connects to vanthu from that address
# (proxy_bind), e.g. 127.0.0.2 as the one trusted proxy. Used by tests/it/proxy.rs and
# scripts/package-check. Must run as root (nginx's `user root;`).
set -euo pipefail
cmd=$1
dir=$(realpath -m "$2")
case "$cmd" in
stop)
  [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  exit 0
  ;;
start) ;;
*)
  echo "usage: $0 start DIR SITE UPSTREAM TLS_PORT PLAIN_PORT [BIND] | stop DIR" >&2
  exit 2
  ;;
esac
site=$3 upstream=$4 tls=$5 plain=$6 bind=${7:-}
[ -x /usr/sbin/nginx ] || {
  echo "nginx is not installed (scripts/test installs nginx-light)" >&2
  exit 1
}
bash "$(dirname "$0")/test-cert.sh" "$dir" "vanthu test proxy CA" server.key server.pem
proxy="proxy_pass $upstream;"
[ -n "$bind" ] && proxy="$proxy proxy_bind $bind;"
sed -e "s|listen 80;|listen 127.0.0.1:$plain;|" -e "s|listen 443 ssl|listen 127.0.0.1:$tls ssl|" \
  -e "s|/etc/ssl/certs/vanthu.pem|$dir/server.pem|" -e "s|/etc/ssl/private/vanthu.key|$dir/server.key|" \
  -e "s|proxy_pass http://127.0.0.1:8080;|$proxy|" "$site" >"$dir/site.conf"
grep -q "proxy_pass $upstream;" "$dir/site.conf" || {
  echo "nginx.sh: no 'proxy_pass http://127.0.0.1:8080;' in $site to point at $upstream" >&2
  exit 1
}
cat >"$dir/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  include $dir/site.conf;
}
CONF
# A daemon started from a test must not keep the caller's pipes open.
/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" </dev/null >/dev/null 2>&1
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$tls") 2>/dev/null && exit 0
  sleep 0.1
done
echo "nginx did not start:" >&2
cat "$dir/error.log" >&2 || true
exit 1

#!/usr/bin/env bash
# A private Dovecot IMAP server for the incoming tests, on 127.0.0.1.
#
#   tests/dovecot.sh start DIR PORT   # PORT: IMAP (plain and STARTTLS); PORT+1: IMAPS
#   tests/dovecot.sh stop DIR
#
# One account, `vanbanden` / `mat-khau-hop-thu`, whose mail is the Maildir DIR/home/Maildir
# (owned by `nobody`; folders as Maildir++ subfolders, e.g. .Đã vào sổ in UTF-7).
# The certificate is for 127.0.0.1, from a CA of its own: DIR/ca.pem.
# Must run as root: Dovecot's master starts as root and drops to its own users, which
# the Debian package (dovecot-imapd) creates.
set -euo pipefail
cmd=$1
dir=$(realpath -m "$2")
case "$cmd" in
stop)
  if [ -f "$dir/run/master.pid" ]; then
    kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
  fi
  exit 0
  ;;
start) ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
port=$3
command -v dovecot >/dev/null || {
  echo "dovecot is not installed (scripts/test installs dovecot-imapd)" >&2
  exit 1
}
mkdir -p "$dir/run" "$dir/state" "$dir/home/Maildir"/{new,cur,tmp}
"$(dirname "$0")/test-cert.sh" "$dir" "vanthu test IMAP CA" key.pem cert.pem
uid=$(id -u nobody)
gid=$(id -g nobody)
chown -R "$uid:$gid" "$dir/home"
printf 'vanbanden:{PLAIN}mat-khau-hop-thu::::::\n' >"$dir/passwd"
cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
instance_name = vanthu-test-$port
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
auth_mechanisms = plain login
disable_plaintext_auth = no
first_valid_uid = $uid
last_valid_uid = $uid
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/home
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $((port + 1))
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  inet_listener http {
    port = 0
  }
}
EOF
# Its daemons must not hold the caller's output open.
dovecot -c "$dir/dovecot.conf" </dev/null >/dev/null 2>&1
# Ready when it greets.
for _ in $(seq 1 50); do
  if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    read -r -t 2 greeting <&3 || true
    exec 3>&-
    case "$greeting" in "* OK"*) exit 0 ;; esac
  fi
  sleep 0.1
done
echo "dovecot did not start: see $dir/dovecot.log" >&2
exit 1

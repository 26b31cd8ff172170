#!/usr/bin/env bash
# A private Postfix instance for the e-mail tests and the delivery benchmark, on 127.0.0.1.
#
#   tests/postfix.sh start DIR PORT   # PORT: plain and STARTTLS; PORT+1: strict HELO
#                                     # (reject_non_fqdn_helo_hostname); PORT+2: a far relay
#   tests/postfix.sh stop DIR
#
# Everything lives under DIR: etc/ (main.cf, master.cf, maps), spool/ (the queue),
# mail/bounces/ (the Maildir of every bounces[+...]@ address), mail/all/ (one Maildir for
# every other address of every domain, each message with its Delivered-To: header),
# ca.pem (the test CA of the STARTTLS certificate), maillog.
# Mail to any address at gone.example is accepted, relayed to the far relay, which
# refuses it ("550 5.1.1 user unknown"), and bounced by Postfix: a real asynchronous
# bounce, an RFC 3464 DSN to the envelope sender.
# Must run as root: Postfix's master starts as root and drops to the `postfix` user,
# which the Debian package creates.
set -euo pipefail
cmd=$1
dir=$(realpath -m "$2")
case "$cmd" in
stop)
  postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  exit 0
  ;;
start) ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
port=$3
command -v postfix >/dev/null || {
  echo "postfix is not installed (scripts/test installs it)" >&2
  exit 1
}
mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mail"
chown postfix "$dir/data"
chown postfix:postfix "$dir/mail"

# The STARTTLS certificate, from a CA of its own.
"$(dirname "$0")/test-cert.sh" "$dir" "vanthu test mail CA" etc/key.pem etc/cert.pem

uid=$(id -u postfix)
gid=$(id -g postfix)
cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtpd_relay_restrictions = permit_mynetworks, reject
recipient_delimiter = +
virtual_mailbox_domains = regexp:$dir/etc/domains
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = regexp:$dir/etc/mailboxes
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
virtual_destination_concurrency_limit = 20
virtual_destination_recipient_limit = 1
transport_maps = texthash:$dir/etc/transport
smtpd_tls_cert_file = $dir/etc/cert.pem
smtpd_tls_key_file = $dir/etc/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtp_tls_security_level = none
message_size_limit = 52428800
virtual_mailbox_limit = 0
gone_restrictions = check_recipient_access texthash:$dir/etc/gone, reject
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 100
delay_warning_time = 0
bounce_queue_lifetime = 0
maximal_queue_lifetime = 1d
EOF
# Every domain is delivered here, except gone.example: accepted (relayed for mynetworks),
# then relayed to a far server (the listener on PORT+2) that refuses every recipient with
# 550 5.1.1, so Postfix bounces it later, to the envelope sender.
printf '!/^gone\\.example$/ OK\n' >"$dir/etc/domains"
printf '/^bounces(\\+[^@]*)?@/ bounces/\n/./ all/\n' >"$dir/etc/mailboxes"
printf 'gone.example smtp:[127.0.0.1]:%s\n' $((port + 2)) >"$dir/etc/transport"
printf 'gone.example 550 5.1.1 user unknown (this mailbox no longer exists)\n' >"$dir/etc/gone"

# Debian's master.cf without chroot, the SMTP listener on our ports.
awk -v port="$port" '
  /^smtp[ \t]+inet/ {
    print "127.0.0.1:" port " inet n - n - - smtpd"
    print "127.0.0.1:" port + 1 " inet n - n - - smtpd"
    print "  -o smtpd_helo_required=yes"
    print "  -o smtpd_helo_restrictions=reject_non_fqdn_helo_hostname"
    print "127.0.0.1:" port + 2 " inet n - n - - smtpd"
    print "  -o myhostname=relay.gone.example"
    print "  -o smtpd_recipient_restrictions=$gone_restrictions"
    next
  }
  /^[a-z]/ && NF >= 8 { $5 = "n" }
  { print }
' /etc/postfix/master.cf >"$dir/etc/master.cf"
postfix -c "$dir/etc" check 2>&1 | cat >&2
postfix -c "$dir/etc" start >/dev/null 2>&1 || {
  cat "$dir/maillog" >&2 2>/dev/null || true
  exit 1
}
# Ready when the port answers.
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "postfix did not start listening on $port" >&2
cat "$dir/maillog" >&2 2>/dev/null || true
exit 1

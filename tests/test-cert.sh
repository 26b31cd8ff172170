#!/usr/bin/env bash
# A server certificate for 127.0.0.1 (and localhost) from a CA of its own, for the
# private servers of the tests (tests/postfix.sh, tests/dovecot.sh).
#
#   tests/test-cert.sh DIR "CA NAME" KEY CERT
#
# Writes DIR/ca.pem (the CA a client trusts) and the server's KEY and CERT (paths
# relative to DIR); does nothing when DIR/ca.pem exists. Valid for 3 days.
set -euo pipefail
dir=$1 name=$2 key=$3 cert=$4
[ -f "$dir/ca.pem" ] && exit 0
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3 \
  -subj "/CN=$name" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$key" -out server.csr \
  -subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out "$cert" -days 3 -extfile san.ext >/dev/null 2>&1

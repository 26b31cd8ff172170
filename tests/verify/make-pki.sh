#!/bin/sh
# The test PKI of the verifier matrix (tests/verify_matrix.rs): a root and an issuing
# CA valid since 2015, their CRLs, and one end certificate per defect a verifier must
# catch. Usage: make-pki.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
exec >make-pki.log 2>&1

cat >ca.cnf <<CNF
[ca]
default_ca = ca_default
[ca_default]
dir = .
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = policy_any
copy_extensions = none
default_crl_days = 30
crl_extensions = crl_ext
unique_subject = no
[policy_any]
commonName = supplied
organizationName = optional
countryName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[crl_ext]
authorityKeyIdentifier = keyid:always
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_ca0]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_sign]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_ds]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_encrypt]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_crit]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.2.3.4.5.6.7 = critical, ASN1:UTF8String:chua-ai-biet
[v3_server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_tsa]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
default_tsa = tsa_config
[tsa_config]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./int.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF

: >index.txt
echo 01 >tsaserial
echo 1000 >serial
subj() { echo "/C=VN/O=vanthu kiem thu/CN=$1"; }

# The root, self-signed through `ca` so that it can start in 2015.
openssl req -new -newkey rsa:2048 -nodes -keyout root.key -out root.csr -subj "$(subj 'Goc Kiem Thu')" -config ca.cnf
openssl ca -batch -config ca.cnf -selfsign -keyfile root.key -in root.csr -out root.pem \
  -startdate 20150101000000Z -enddate 20450101000000Z -extensions v3_root -notext
# ca NAME ISSUER EXT CN [START END]: a CA certificate.
ca() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$(subj "$4")" -config ca.cnf
  openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" \
    -startdate 20150101000000Z -enddate 20400101000000Z -extensions "$3" -notext
}
ca int root v3_ca "CA Cap Phat"
ca int0 root v3_ca0 "CA Gioi Han"
ca sub int0 v3_ca "CA Duoi Gioi Han"

# leaf NAME ISSUER EXT CN KEY [START END]: an end certificate (KEY: rsa, rsa1024, p256, p384, p521).
leaf() {
  case $5 in
    rsa) opt="-newkey rsa:2048" ;;
    rsa1024) opt="-newkey rsa:1024" ;;
    p256) opt="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
    p384) opt="-newkey ec -pkeyopt ec_paramgen_curve:P-384" ;;
    p521) opt="-newkey ec -pkeyopt ec_paramgen_curve:P-521" ;;
  esac
  # shellcheck disable=SC2086
  openssl req -new $opt -nodes -keyout "$1.key" -out "$1.csr" -subj "$(subj "$4")" -config ca.cnf
  start=${6:-20240101000000Z}
  end=${7:-20391231000000Z}
  openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" \
    -startdate "$start" -enddate "$end" -extensions "$3" -notext
}
leaf good int v3_sign "Nguyen Van Ky" rsa
leaf other int v3_sign "Tran Van Khac" rsa
# A signer whose certificate runs out in 2030: the long-term tests verify "in 2032".
leaf short int v3_sign "Ky Het Han 2030" rsa 20240101000000Z 20300101000000Z
leaf p256 int v3_sign "Ky P-256" p256
leaf p384 int v3_sign "Ky P-384" p384
leaf p521 int v3_sign "Ky P-521" p521
leaf weak int v3_sign "Khoa RSA 1024" rsa1024
leaf expired int v3_sign "Het Han" rsa 20200101000000Z 20210101000000Z
leaf future int v3_sign "Chua Hieu Luc" rsa 20300101000000Z 20310101000000Z
leaf encrypt int v3_encrypt "Chi Ma Hoa" rsa
leaf dsonly int v3_ds "Chi digitalSignature" rsa
leaf critical int v3_crit "Phan Mo Rong La" rsa
leaf server int v3_server "May Chu Web" rsa
leaf revoked int v3_sign "Bi Thu Hoi" rsa
leaf deep sub v3_sign "Qua Sau" rsa
leaf tsa int v3_tsa "Dau Thoi Gian Kiem Thu" rsa 20150101000000Z 20391231000000Z
leaf notsa int v3_sign "Khong Phai TSA" rsa 20150101000000Z 20391231000000Z
# An agency certificate issued by an end certificate (anyone holding one).
leaf fake good v3_sign "UBND Gia Mao" rsa
# A stranger: a root nobody configured, and its signer.
openssl req -x509 -newkey rsa:2048 -nodes -keyout stranger-root.key -out stranger-root.pem -days 3650 \
  -subj "$(subj 'Goc La')" -config ca.cnf -extensions v3_root
openssl req -new -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.csr -subj "$(subj 'Nguoi La')" -config ca.cnf
openssl x509 -req -in stranger.csr -CA stranger-root.pem -CAkey stranger-root.key -CAcreateserial \
  -out stranger.pem -days 365 -extfile ca.cnf -extensions v3_sign

openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -revoke revoked.pem -crl_reason keyCompromise
# CRLs: the issuing CA's (one certificate revoked), the root's, the limited CA's.
for c in int root int0 sub; do
  sed "s/^database = index.txt/database = $c-index.txt/" ca.cnf >"$c-ca.cnf"
  if [ "$c" = int ]; then grep "^R" index.txt >"$c-index.txt" || true; else : >"$c-index.txt"; fi
  openssl ca -batch -config "$c-ca.cnf" -cert "$c.pem" -keyfile "$c.key" -gencrl -out "$c.crl"
done
cat int.pem root.pem >chain.pem
# vanthu's own keys in the matrix: the agency (good) and the signer (other).
for k in good other short; do
  openssl pkcs12 -export -inkey "$k.key" -in "$k.pem" -certfile int.pem -name "$k" \
    -passout pass:mat-khau-thu -out "$k.p12"
done
echo ok >done

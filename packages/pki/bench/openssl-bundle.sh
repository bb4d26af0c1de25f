#!/usr/bin/env bash
# The same TLS set as @pgha/pki's full-bundle benchmark, made with the openssl CLI: a CA, 5 etcd member
# certificates (serverAuth+clientAuth, IP SANs), per each of 3 Patroni nodes an etcd client (clientAuth), a
# PostgreSQL server (serverAuth) and a REST (serverAuth+clientAuth) certificate, and 2 client identities.
# RSA 2048 or ECDSA P-256 keys (KEY_ALG, as @pgha/pki's keyAlgorithm), SHA-256, same extensions, same layout
# and modes (dir 0700, keys 0600, certs 0644).
#
# usage: openssl-bundle.sh OUT_DIR [JOBS] [KEY_ALG]
#   JOBS     leaves in parallel (default: number of CPUs)
#   KEY_ALG  rsa (default) or ecdsa-p256
set -euo pipefail

usage='usage: openssl-bundle.sh OUT_DIR [JOBS] [rsa|ecdsa-p256]'
out=${1:?$usage}
jobs=${2:-$(nproc)}
key_alg=${3:-rsa}
days=825

case $key_alg in
  rsa)
    newkey="-newkey rsa:2048"
    leaf_usage="digitalSignature,keyEncipherment"
    ;;
  ecdsa-p256)
    newkey="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
    # RFC 5480: no keyEncipherment for an EC key (what @pgha/pki writes too).
    leaf_usage="digitalSignature"
    ;;
  *)
    echo "$usage (KEY_ALG '$key_alg' is neither)" >&2
    exit 2
    ;;
esac

umask 077
mkdir -p "$out"/etcd "$out"/clients
chmod 700 "$out"

# shellcheck disable=SC2086 # $newkey is several words on purpose
openssl req -x509 -new $newkey -nodes -sha256 -days 3650 \
  -keyout "$out/ca.key" -out "$out/ca.crt" -subj "/CN=pgha bench CA/O=pgha/OU=bench" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" 2>/dev/null
chmod 644 "$out/ca.crt"

# One leaf: key + CSR, then signed by the CA (random serial: OpenSSL 3 picks one when no serial file is given).
leaf() {
  local path=$1 cn=$2 eku=$3 sans=$4
  local base="$out/$path" ext
  mkdir -p "$(dirname "$base")"
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,$leaf_usage"
    echo "extendedKeyUsage=$eku"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    if [ -n "$sans" ]; then echo "subjectAltName=$sans"; fi
  } >"$ext"
  # shellcheck disable=SC2086 # $newkey is several words on purpose
  openssl req -new $newkey -nodes -sha256 -keyout "$base.key" -out "$base.csr" \
    -subj "/CN=$cn/O=pgha/OU=bench" 2>/dev/null
  openssl x509 -req -sha256 -days "$days" -in "$base.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -extfile "$ext" -out "$base.crt" 2>/dev/null
  rm -f "$base.csr" "$ext"
  chmod 644 "$base.crt"
}
export -f leaf
export out days newkey leaf_usage

leaves() {
  for i in 1 2 3 4 5; do
    echo "etcd/etcd-$i etcd-$i serverAuth,clientAuth IP:127.0.10.$i,IP:127.0.0.1"
  done
  for i in 1 2 3; do
    echo "patroni/pg-$i/etcd-client pg-$i clientAuth -"
    echo "patroni/pg-$i/postgres pg-$i serverAuth IP:127.0.20.$i,IP:127.0.30.1"
    echo "patroni/pg-$i/rest pg-$i serverAuth,clientAuth IP:127.0.20.$i"
  done
  echo "clients/verify verify clientAuth -"
  echo "clients/operator operator clientAuth -"
}

# shellcheck disable=SC2016 # $1..$4 are expanded by the inner bash
leaves | xargs -P "$jobs" -L 1 bash -c 'leaf "$1" "$2" "$3" "${4#-}"' _

find "$out" -type d -exec chmod 700 {} +

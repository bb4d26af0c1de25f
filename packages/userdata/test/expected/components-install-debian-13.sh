#!/bin/bash
# pgha component install for debian-13 (trixie), from the component policy of @pgha/userdata.
# The same script runs in deploy's preflight (local target) and at boot on EC2. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { printf 'pgha-components: %s\n' "$*"; }

say "apt-get update"
apt-get update -q
say "apt-get install etcd-server etcd-client awscli curl"
apt-get install -y -q -o Dpkg::Options::=--force-confold 'etcd-server' 'etcd-client' 'awscli' 'curl'
say "done: etcd-server $(dpkg-query -W -f='${Version}' 'etcd-server') etcd-client $(dpkg-query -W -f='${Version}' 'etcd-client') awscli $(dpkg-query -W -f='${Version}' 'awscli') curl $(dpkg-query -W -f='${Version}' 'curl')"

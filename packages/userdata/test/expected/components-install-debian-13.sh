#!/bin/bash
# pgha: install etcd, Patroni, PostgreSQL and HAProxy by the component policy of @pgha/userdata. The same
# script runs in deploy's preflight (local target) and at boot on EC2. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
OS='debian-13'
CODENAME='trixie'
# No dollar-brace anywhere: Terraform would read it as template syntax in user_data.
set -- 'etcd-server' 'etcd-client' 'awscli' 'curl'
say() { printf 'pgha-components: %s\n' "$*"; }
say "policy for $OS ($CODENAME)"

say "apt-get update"
apt-get update -q
say "apt-get install $*"
apt-get install -y -q -o Dpkg::Options::=--force-confold "$@"
installed=''
for name in 'etcd-server' 'etcd-client' 'awscli' 'curl'; do
  installed="$installed $name $(dpkg-query -W "$name" | cut -f2)"
done
say "done:$installed"

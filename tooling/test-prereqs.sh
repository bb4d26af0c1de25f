#!/usr/bin/env bash
# What `pnpm test` needs on this machine besides Node and the workspace, checked in one place (pnpm test and
# .ci/run both run this): the independent checkers from Debian, and the cluster components (etcd, Patroni,
# PostgreSQL, HAProxy) held to pgha's component policy. As root, what is missing is installed, with progress;
# as another user, one line says what to run, and the exit code is 2.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'test prerequisites: %s\n' "$*"; }

# The tools the tests cross-check our output with (openssl, cloud-init schema, shellcheck, strace, psql, unshare),
# and the network plumbing of @pgha/netlab and the local target's --network netns mode (ip, nft, nsenter).
TOOLS=(openssl shellcheck cloud-init curl strace postgresql-client util-linux iproute2 nftables)
missing=()
for p in "${TOOLS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  say "installing ${missing[*]} (apt-get)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# The cluster components, through the same policy and install script as `pnpm run deploy` and the EC2 boot.
sh tooling/turbo.sh run build --filter=@pgha/deploy... --output-logs=errors-only >&2
if ! verdict=$(node apps/deploy/dist/bin.js components 2>&1); then
  if [ "$(id -u)" -ne 0 ]; then
    say "the cluster components are missing or refused by the component policy; run as root: pnpm run components -- --install" >&2
    printf '%s\n' "$verdict" >&2
    exit 2
  fi
  say "installing the cluster components (pnpm run components -- --install)"
  node apps/deploy/dist/bin.js components --install
fi

# The AWS API emulator the rehearsal tests apply the stack to (moto 5.2.1 with its server extras, part of this
# machine kind's Python 3.11; PyPI is not reachable from these machines, so it can only be checked).
if ! command -v moto_server >/dev/null 2>&1 && [ -z "${PGHA_MOTO_SERVER:-}" ]; then
  say "warning: no moto_server on PATH (install: python3 -m pip install \"moto[server]==5.2.1\"): the rehearsal tests will fail" >&2
fi
if ! [ -x /usr/local/bin/terraform ] || ! [ -d /opt/tf-plugins/registry.terraform.io/hashicorp/aws ]; then
  say "warning: no /usr/local/bin/terraform or provider mirror /opt/tf-plugins (part of this machine kind's image): the offline plan tests will fail" >&2
fi

# The rehearsal's boot stages (as root; other users skip those tests): mmdebstrap builds the instances' Debian 13
# root filesystem, systemd-nspawn boots them.
if [ "$(id -u)" -eq 0 ]; then
  boot=()
  for p in mmdebstrap systemd-container; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || boot+=("$p")
  done
  if ((${#boot[@]})); then
    say "installing ${boot[*]} for the rehearsal's boot stages (apt-get)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${boot[@]}"
  fi
fi
say "ready"

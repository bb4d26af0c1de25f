#!/bin/bash
# pgha: install etcd, Patroni, PostgreSQL and HAProxy by the component policy of @pgha/userdata. The same
# script runs in deploy's preflight (local target) and at boot on EC2. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
OS='debian-12'
CODENAME='bookworm'
# No dollar-brace anywhere: Terraform would read it as template syntax in user_data.
set -- 'patroni/trixie' 'python3-etcd' 'postgresql-15' 'awscli' 'curl'
PATRONI_MINIMUM='3.0.3'
say() { printf 'pgha-components: %s\n' "$*"; }
say "policy for $OS ($CODENAME)"

# Patroni and etcd 3.5 come from another suite, pinned low, so that nothing else is taken from it unless named
# as package/suite. To undo: remove the two files below and run apt-get update (installed packages stay).
SUITE='trixie'
PRIORITY='100'
PINNED='patroni, etcd-server, etcd-client'
SOURCES='/etc/apt/sources.list.d/pgha-trixie.sources'
PREFERENCES='/etc/apt/preferences.d/pgha-trixie.pref'
mirror=''
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk -v suite="$CODENAME" 'BEGIN { RS = "" }
    $0 ~ ("Suites:[^\n]*[ \t]" suite "([ \t\n]|$)") {
      if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { uri = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", uri); print uri; exit }
    }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk -v suite="$CODENAME" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
want_sources="Types: deb
URIs: $mirror
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"
want_preferences="Package: *
Pin: release n=$SUITE
Pin-Priority: $PRIORITY
"
if [ "$(cat "$SOURCES" 2>/dev/null || true)
" != "$want_sources" ]; then
  printf '%s' "$want_sources" >"$SOURCES.tmp" && mv "$SOURCES.tmp" "$SOURCES"
  say "wrote $SOURCES ($SUITE from $mirror)"
fi
if [ "$(cat "$PREFERENCES" 2>/dev/null || true)
" != "$want_preferences" ]; then
  printf '%s' "$want_preferences" >"$PREFERENCES.tmp" && mv "$PREFERENCES.tmp" "$PREFERENCES"
  say "wrote $PREFERENCES (Pin-Priority $PRIORITY: only $PINNED come from $SUITE)"
fi

say "apt-get update"
apt-get update -q
say "apt-get install $*"
apt-get install -y -q -o Dpkg::Options::=--force-confold "$@"

# The policy's floor, checked on what was installed: never boot a Patroni without patroni/patroni#2689.
have=$(dpkg-query -W patroni | cut -f2)
if ! dpkg --compare-versions "$have" ge "$PATRONI_MINIMUM"; then
  say "patroni $have is older than $PATRONI_MINIMUM (lacks patroni/patroni#2689): refusing"
  exit 1
fi
installed=''
for name in 'patroni' 'python3-etcd' 'postgresql-15' 'awscli' 'curl'; do
  installed="$installed $name $(dpkg-query -W "$name" | cut -f2)"
done
say "done:$installed"

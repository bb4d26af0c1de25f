#!/bin/bash
# pgha component install for debian-12 (bookworm), from the component policy of @pgha/userdata.
# The same script runs in deploy's preflight (local target) and at boot on EC2. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { printf 'pgha-components: %s\n' "$*"; }

# Patroni >= 3.0.3 and etcd 3.5 are not in bookworm: they come from trixie, pinned at
# priority 100, so nothing else is taken from it unless named as package/trixie.
# To undo: remove the two files below and run apt-get update (installed packages stay as they are).
sources='/etc/apt/sources.list.d/pgha-trixie.sources'
preferences='/etc/apt/preferences.d/pgha-trixie.pref'
mirror=''
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk -v suite='bookworm' 'BEGIN { RS = "" }
    $0 ~ ("Suites:[^\n]*[ \t]" suite "([ \t\n]|$)") {
      if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { uri = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", uri); print uri; exit }
    }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk -v suite='bookworm' '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
want_sources="Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"
want_preferences='Package: *
Pin: release n=trixie
Pin-Priority: 100
'
if [ "$(cat "$sources" 2>/dev/null || true)
" != "$want_sources" ]; then
  printf '%s' "$want_sources" >"$sources.tmp" && mv "$sources.tmp" "$sources"
  say "wrote $sources (trixie from $mirror)"
fi
if [ "$(cat "$preferences" 2>/dev/null || true)
" != "$want_preferences" ]; then
  printf '%s' "$want_preferences" >"$preferences.tmp" && mv "$preferences.tmp" "$preferences"
  say "wrote $preferences (Pin-Priority 100: only patroni, etcd-server, etcd-client come from trixie)"
fi

say "apt-get update"
apt-get update -q
say "apt-get install patroni/trixie python3-etcd postgresql-15 awscli curl"
apt-get install -y -q -o Dpkg::Options::=--force-confold 'patroni/trixie' 'python3-etcd' 'postgresql-15' 'awscli' 'curl'

# The policy's floor, checked on what was installed: never boot a Patroni without #2689.
have=$(dpkg-query -W -f='${Version}' patroni)
if ! dpkg --compare-versions "$have" ge '3.0.3'; then
  say "patroni $have is older than 3.0.3 (lacks patroni/patroni#2689): refusing"
  exit 1
fi
say "done: patroni $(dpkg-query -W -f='${Version}' 'patroni') python3-etcd $(dpkg-query -W -f='${Version}' 'python3-etcd') postgresql-15 $(dpkg-query -W -f='${Version}' 'postgresql-15') awscli $(dpkg-query -W -f='${Version}' 'awscli') curl $(dpkg-query -W -f='${Version}' 'curl')"

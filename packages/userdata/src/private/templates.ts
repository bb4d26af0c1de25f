import Handlebars from 'handlebars';

/**
 * The package's own Handlebars instance: `noEscape` (HTML escaping a password into YAML or shell is a bug),
 * `strict` (a missing value is an error, never an empty string). Values reach the text only through the
 * quoting helpers below; a bare `{{value}}` is refused by a test that scans the templates.
 */
const hbs = Handlebars.create();

/** POSIX shell single quoting: any string, including newlines and quotes, comes back unchanged. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text for a systemd unit setting (Description=...): no line breaks, `%` doubled, `\` refused. */
export function unitText(value: string): string {
  if (/[\n\r\\]/.test(value)) throw new Error(`not usable in a systemd unit: ${JSON.stringify(value)}`);
  return value.replace(/%/g, '%%');
}

hbs.registerHelper('sh', (value: unknown) => {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`sh helper: expected a string or number, got ${typeof value}`);
  }
  return shellQuote(String(value));
});
hbs.registerHelper('unit', (value: unknown) => {
  if (typeof value !== 'string') throw new Error(`unit helper: expected a string, got ${typeof value}`);
  return unitText(value);
});

export function compile<T>(template: string): (context: T) => string {
  const fn = hbs.compile<T>(template, { noEscape: true, strict: true });
  return (context: T) => fn(context);
}

export const ETCD_UNIT = `[Unit]
Description=etcd member {{unit member}} of cluster {{unit cluster}} (pgha)
Documentation=https://etcd.io/docs
After=network-online.target
Wants=network-online.target
RequiresMountsFor={{unit mountPoint}}

[Service]
# Ready only with a quorum: never time out a member waiting for its peers (pgha-boot does not wait).
Type=notify
TimeoutStartSec=infinity
User=etcd
Group=etcd
ExecStart=/usr/bin/etcd --config-file {{unit configFile}}
Restart=on-failure
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;

export const PATRONI_UNIT = `[Unit]
Description=Patroni node {{unit member}} of cluster {{unit cluster}} (pgha)
Documentation=https://patroni.readthedocs.io
After=network-online.target
Wants=network-online.target
RequiresMountsFor={{unit mountPoint}}

[Service]
Type=simple
User=postgres
Group=postgres
EnvironmentFile={{unit envFile}}
ExecStart=/usr/bin/patroni {{unit configFile}}
ExecReload=/bin/kill -s HUP $MAINPID
KillMode=process
TimeoutStopSec=60
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

/**
 * The unit that runs the boot script: at first boot (cloud-init's runcmd starts it without waiting) and at
 * every later boot, and again after a failure with backoff (the script waits 10, 20, 40 ... 300 s between
 * attempts, counted in /run so a reboot starts afresh) until it succeeds: a transient apt, IMDS, IAM or
 * Secrets Manager error does not leave the node dead. Every step of the script is idempotent.
 */
export const BOOT_UNIT = `[Unit]
Description=pgha boot of {{unit role}} {{unit member}} of cluster {{unit cluster}}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart={{unit bootFile}} --backoff
Restart=on-failure
RestartSec=1
TimeoutStartSec=30min
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
`;

/** Writes a Secrets Manager secret (JSON on stdin) to 0600 files owned by a service user; never prints values. */
export const WRITE_SECRET_PY = `#!/usr/bin/python3
"""pgha: write-secret tls DIR USER | env FILE USER (JSON on stdin -> 0600 files)"""
import json
import os
import pwd
import sys

TLS = (("cert", "node.crt"), ("key", "node.key"), ("ca", "ca.crt"))
ENV = (
    ("superuserPassword", "PATRONI_SUPERUSER_PASSWORD"),
    ("replicationPassword", "PATRONI_REPLICATION_PASSWORD"),
    ("rewindPassword", "PATRONI_REWIND_PASSWORD"),
    ("restApiUsername", "PATRONI_RESTAPI_USERNAME"),
    ("restApiPassword", "PATRONI_RESTAPI_PASSWORD"),
)


def write(path, text, user):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chown(tmp, user.pw_uid, user.pw_gid)
    os.rename(tmp, path)


def quote(value):
    return '"' + "".join("\\\\" + c if c in '\\\\"\`$' else c for c in value) + '"'


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("tls", "env"):
        sys.exit("usage: write-secret tls|env DEST USER")
    kind, dest, owner = sys.argv[1:]
    user = pwd.getpwnam(owner)
    try:
        data = json.load(sys.stdin)
    except ValueError:
        sys.exit("write-secret: the secret is not JSON")
    if kind == "env":
        data.setdefault("restApiUsername", "patroni")
    wanted = [k for k, _ in (TLS if kind == "tls" else ENV)]
    bad = [k for k in wanted if not isinstance(data.get(k), str) or not data[k] or "\\0" in data[k]]
    if kind == "env" and not bad:
        # Patroni 3.0.2 cannot bootstrap with a non-ASCII password; a line break has no place in one.
        bad = [k for k in wanted if any(not " " <= c <= "~" for c in data[k])]
        if bad:
            sys.exit("write-secret: not printable ASCII in the secret: " + ", ".join(bad))
    if bad:
        sys.exit("write-secret: missing or empty keys in the secret: " + ", ".join(bad))
    if kind == "tls":
        for key, name in TLS:
            write(os.path.join(dest, name), data[key], user)
    else:
        write(dest, "".join("%s=%s\\n" % (var, quote(data[key])) for key, var in ENV), user)


main()
`;

/**
 * The boot script (bash: pipefail). Written without \`\${\` so Terraform, which reads \`\${...}\` in
 * user_data strings as interpolation, passes it through unchanged.
 */
export const BOOT_SCRIPT = `#!/bin/bash
# pgha boot of {{unit role}} {{unit member}} ({{unit cluster}}): install, secrets, data volume,{{#if dns}} DNS,{{/if}} start.
set -euo pipefail
umask 077

ROLE={{sh role}}
INSTALL_COMPONENTS={{sh installScript}}
SERVICE={{sh service}}
SERVICE_USER={{sh serviceUser}}
TLS_SECRET_ARN={{sh tlsSecretArn}}
TLS_DIR={{sh tlsDir}}
{{#if passwordsSecretArn}}
PASSWORDS_SECRET_ARN={{sh passwordsSecretArn}}
ENV_FILE={{sh envFile}}
{{/if}}
VOLUME_ID={{sh volumeId}}
VOLUME_DEVICE={{sh volumeDevice}}
MOUNT_POINT={{sh mountPoint}}
DATA_DIR={{sh dataDir}}
{{#if dns}}
ZONE_ID={{sh dns.hostedZoneId}}
RECORD_NAME={{sh dns.recordName}}
RECORD_TTL={{sh dns.ttlSeconds}}
{{/if}}
WRITE_SECRET=/usr/local/lib/pgha/write-secret
FSTAB=/etc/fstab
ATTEMPTS=/run/pgha-boot.attempts

log() { printf 'pgha-boot: %s\\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

# --backoff (the unit): attempt n first waits 10 * 2^(n-2) s, at most 300.
backoff() {
  local n d=10 i
  n=$(cat "$ATTEMPTS" 2>/dev/null) || n=0
  case "$n" in '' | *[!0-9]*) n=0 ;; esac
  n=$((n + 1))
  echo "$n" >"$ATTEMPTS"
  for ((i = 2; i < n && d < 300; i++)); do d=$((d * 2)); done
  [ "$d" -le 300 ] || d=300
  [ "$n" -eq 1 ] || { log "attempt $n in $d s" && sleep "$d"; }
}

imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token) ||
    fail 'cannot get an IMDSv2 token'
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1" ||
    fail "cannot read instance metadata $1"
}

# secret ARN KIND DEST: the secret's JSON fields to 0600 files owned by the service user (values never printed).
secret() {
  aws --region "$REGION" secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text |
    "$WRITE_SECRET" "$2" "$3" "$SERVICE_USER" || fail "cannot fetch secret $1 (instance role, KMS key, JSON keys?)"
}

attach_volume() {
  local attached serial device candidate i status uuid
  attached=$(aws --region "$REGION" ec2 describe-volumes --volume-ids "$VOLUME_ID" \\
    --query 'Volumes[0].Attachments[0].InstanceId' --output text) || fail "cannot describe volume $VOLUME_ID"
  if [ "$attached" != "$INSTANCE_ID" ]; then
    log "waiting for volume $VOLUME_ID (attached to: $attached)"
    aws --region "$REGION" ec2 wait volume-available --volume-ids "$VOLUME_ID" ||
      fail "volume $VOLUME_ID did not become available"
    aws --region "$REGION" ec2 attach-volume --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" \\
      --device "$VOLUME_DEVICE" >/dev/null || fail "cannot attach volume $VOLUME_ID"
    aws --region "$REGION" ec2 wait volume-in-use --volume-ids "$VOLUME_ID" || fail "volume $VOLUME_ID not in use"
  fi
  # Nitro instances name the disk by its volume id (without the dash); Xen ones by the requested device.
  serial=$(printf '%s' "$VOLUME_ID" | tr -d -)
  device=''
  for i in $(seq 1 120); do
    for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$serial" "$VOLUME_DEVICE" \\
      "/dev/xvd$(printf '%s' "$VOLUME_DEVICE" | tail -c 1)"; do
      if [ -e "$candidate" ]; then
        device=$(readlink -f "$candidate")
        break 2
      fi
    done
    sleep 1
  done
  [ -n "$device" ] || fail "volume $VOLUME_ID is attached but no block device appeared after $i s"
  # Format only a volume with nothing on it: blkid -p exits 2 when it finds no filesystem or partition table.
  status=0
  blkid -p "$device" >/dev/null 2>&1 || status=$?
  if [ "$status" -eq 2 ]; then
    log "formatting $device (empty volume $VOLUME_ID)"
    mkfs.ext4 -q -L pgha-data "$device"
  elif [ "$status" -ne 0 ]; then
    fail "blkid cannot probe $device (exit $status); not formatting it"
  fi
  uuid=$(blkid -s UUID -o value "$device")
  [ -n "$uuid" ] || fail "no filesystem UUID on $device"
  # Parents the service user can traverse: under the script's umask 077 they would be root's alone.
  (umask 022 && mkdir -p "$MOUNT_POINT")
  grep -q "^UUID=$uuid " "$FSTAB" ||
    printf 'UUID=%s %s ext4 defaults,noatime,nofail 0 2\\n' "$uuid" "$MOUNT_POINT" >>"$FSTAB"
  mountpoint -q "$MOUNT_POINT" || mount "$MOUNT_POINT"
  chown "$SERVICE_USER:$SERVICE_USER" "$MOUNT_POINT"
  chmod 0700 "$MOUNT_POINT"
}
{{#if dns}}

update_dns() {
  local batch change
  batch=$(printf '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"%s","Type":"A","TTL":%s,"ResourceRecords":[{"Value":"%s"}]}}]}' \\
    "$RECORD_NAME" "$RECORD_TTL" "$PRIVATE_IP")
  change=$(aws route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" --change-batch "$batch" \\
    --query ChangeInfo.Id --output text) || fail "cannot update DNS record $RECORD_NAME in zone $ZONE_ID"
  aws route53 wait resource-record-sets-changed --id "$change" || fail "DNS change $change did not complete"
  log "$RECORD_NAME -> $PRIVATE_IP"
}
{{/if}}

main() {
  [ "$(id -u)" -eq 0 ] || fail 'run as root'
  # Idempotent, like every step here: a retried boot repeats them.
  "$INSTALL_COMPONENTS" || fail 'installing the components failed: the instance needs egress to the Debian archive (a NAT gateway or a proxy)'
  id -u "$SERVICE_USER" >/dev/null 2>&1 || fail "no user $SERVICE_USER: is the $ROLE package installed?"
  INSTANCE_ID=$(imds instance-id)
  PRIVATE_IP=$(imds local-ipv4)
  REGION=$(imds placement/region)
  install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$TLS_DIR"
  secret "$TLS_SECRET_ARN" tls "$TLS_DIR"
{{#if passwordsSecretArn}}
  install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$(dirname "$ENV_FILE")"
  secret "$PASSWORDS_SECRET_ARN" env "$ENV_FILE"
{{/if}}
  attach_volume
  install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
{{#if dns}}
  update_dns
{{/if}}
  systemctl daemon-reload
  systemctl enable "$SERVICE"
  # No waiting: etcd is ready only with a quorum.
  systemctl start --no-block "$SERVICE"
  rm -f "$ATTEMPTS"
  log "$SERVICE enabled and started on $INSTANCE_ID ($PRIVATE_IP)"
}

if [ "$#" -gt 0 ] && [ "$1" = --backoff ]; then
  backoff
fi
main
`;

/**
 * The component policy's install script (see renderComponentInstallScript): the pinned suite's source and
 * preferences written only when they differ, one apt-get install, the Patroni floor checked after it.
 */
export const COMPONENTS_INSTALL_SCRIPT = `#!/bin/bash
# pgha: install etcd, Patroni, PostgreSQL and HAProxy by the component policy of @pgha/userdata. The same
# script runs in deploy's preflight (local target) and at boot on EC2. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
OS={{sh os}}
CODENAME={{sh codename}}
# No dollar-brace anywhere: Terraform would read it as template syntax in user_data.
set --{{#each packages}} {{sh this}}{{/each}}
{{#if patroni}}
PATRONI_MINIMUM={{sh patroniMinimum}}
{{/if}}
say() { printf 'pgha-components: %s\\n' "$*"; }
say "policy for $OS ($CODENAME)"
{{#if pin}}

# Patroni and etcd 3.5 come from another suite, pinned low, so that nothing else is taken from it unless named
# as package/suite. To undo: remove the two files below and run apt-get update (installed packages stay).
SUITE={{sh pin.suite}}
PRIORITY={{sh pin.priority}}
PINNED={{sh pinnedList}}
SOURCES={{sh pin.sourcesFile}}
PREFERENCES={{sh pin.preferencesFile}}
mirror=''
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk -v suite="$CODENAME" 'BEGIN { RS = "" }
    $0 ~ ("Suites:[^\\n]*[ \\t]" suite "([ \\t\\n]|$)") {
      if (match($0, /URIs:[ \\t]*[^ \\t\\n]+/)) { uri = substr($0, RSTART, RLENGTH); sub(/URIs:[ \\t]*/, "", uri); print uri; exit }
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
{{/if}}

say "apt-get update"
apt-get update -q
say "apt-get install $*"
apt-get install -y -q -o Dpkg::Options::=--force-confold "$@"
{{#if patroni}}

# The policy's floor, checked on what was installed: never boot a Patroni without patroni/patroni#2689.
have=$(dpkg-query -W patroni | cut -f2)
if ! dpkg --compare-versions "$have" ge "$PATRONI_MINIMUM"; then
  say "patroni $have is older than $PATRONI_MINIMUM (lacks patroni/patroni#2689): refusing"
  exit 1
fi
{{/if}}
installed=''
for name in{{#each names}} {{sh this}}{{/each}}; do
  installed="$installed $name $(dpkg-query -W "$name" | cut -f2)"
done
say "done:$installed"
`;

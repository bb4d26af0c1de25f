import type { Cluster } from './cluster.js';
import { type HostOs, renderComponentInstallScript } from './components.js';
import { type Problem, UserdataError } from './errors.js';
import { type EtcdPaths, etcdMember, renderEtcdConfig } from './etcd-config.js';
import { type PatroniPaths, patroniNode, renderPatroniConfig } from './patroni-config.js';
import { isHost } from './private/net.js';
import {
  BOOT_SCRIPT,
  BOOT_UNIT,
  compile,
  ETCD_UNIT,
  PATRONI_UNIT,
  WRITE_SECRET_PY,
} from './private/templates.js';
import { toYaml } from './private/yaml.js';

/** A Debian package, optionally pinned to an exact version (`apt-get install name=version`). */
export interface PackagePin {
  readonly name: string;
  /** Debian version string, e.g. `3.4.23-4+b5`. @default - the newest the archive has */
  readonly version?: string;
}

/** Inputs of {@link renderEtcdCloudInit}. ARNs and ids may be unresolved CDK for Terraform tokens. */
export interface EtcdCloudInitOptions {
  /**
   * Secrets Manager secret (ARN) holding this member's TLS material as JSON `{"cert","key","ca"}` (PEM strings).
   * The certificate serves clients and peers and is the member's client certificate.
   */
  readonly tlsSecretArn: string;
  /** The member's persistent EBS data volume (`vol-...`), in the instance's availability zone. */
  readonly dataVolumeId: string;
  /** Route53 record the member keeps pointed at its private IP. */
  readonly dns: {
    readonly hostedZoneId: string;
    /** @default the member's `host` (must then be a DNS name) */
    readonly recordName?: string;
    /** @default 30 */
    readonly ttlSeconds?: number;
  };
  /**
   * More Debian packages to install with the component policy's set (etcd-server, etcd-client, awscli, curl;
   * on Debian 12 etcd from the pinned trixie source), optionally pinned to a version.
   * @default - none
   */
  readonly packages?: readonly PackagePin[];
}

/** Inputs of {@link renderPatroniCloudInit}. ARNs and ids may be unresolved CDK for Terraform tokens. */
export interface PatroniCloudInitOptions {
  /** Secret (ARN) with this node's TLS material as JSON `{"cert","key","ca"}`: PostgreSQL, REST API and etcd client. */
  readonly tlsSecretArn: string;
  /**
   * Secret (ARN) with the cluster's passwords as JSON with the keys of {@link PatroniSecrets}:
   * `superuserPassword`, `replicationPassword`, `rewindPassword`, `restApiPassword`, optional `restApiUsername`.
   */
  readonly passwordsSecretArn: string;
  /** The node's persistent EBS data volume (`vol-...`). */
  readonly dataVolumeId: string;
  /**
   * The only networks the superuser may log in from over TCP besides loopback (the admin hosts); see
   * `PgHbaOptions`. An empty list: on the node only.
   * @default - the superuser from the cluster's allowed networks, like every role
   */
  readonly superuserCidrs?: readonly string[];
  /**
   * More Debian packages to install with the component policy's set (patroni, python3-etcd,
   * postgresql-<postgresVersion>, awscli, curl; on Debian 12 Patroni from the pinned trixie source).
   * @default - none
   */
  readonly packages?: readonly PackagePin[];
}

/** Where things live on an etcd instance. */
export const AWS_ETCD_LAYOUT = {
  configFile: '/etc/pgha/etcd.yml',
  unitFile: '/etc/systemd/system/pgha-etcd.service',
  service: 'pgha-etcd.service',
  serviceUser: 'etcd',
  mountPoint: '/var/lib/pgha/etcd',
  paths: {
    dataDir: '/var/lib/pgha/etcd/data',
    tls: {
      certFile: '/etc/pgha/tls/node.crt',
      keyFile: '/etc/pgha/tls/node.key',
      caFile: '/etc/pgha/tls/ca.crt',
    },
    logOutputs: ['stderr'],
  } satisfies EtcdPaths,
} as const;

/** Where things live on a Patroni instance (bin_dir follows the cluster's PostgreSQL version). */
export function awsPatroniLayout(cluster: Cluster) {
  return {
    configFile: '/etc/pgha/patroni.yml',
    unitFile: '/etc/systemd/system/pgha-patroni.service',
    envFile: '/etc/pgha/secrets/patroni.env',
    service: 'pgha-patroni.service',
    serviceUser: 'postgres',
    mountPoint: '/var/lib/pgha/postgresql',
    paths: {
      dataDir: '/var/lib/pgha/postgresql/data',
      binDir: `/usr/lib/postgresql/${cluster.patroni.postgresVersion}/bin`,
      pgpassFile: '/var/lib/postgresql/.pgpass.patroni',
      socketDir: '/var/run/postgresql',
      tls: {
        certFile: '/etc/pgha/tls/node.crt',
        keyFile: '/etc/pgha/tls/node.key',
        caFile: '/etc/pgha/tls/ca.crt',
      },
    } satisfies PatroniPaths,
  } as const;
}

const BOOT_FILE = '/usr/local/sbin/pgha-boot';
/** The unit that runs {@link BOOT_FILE} at every boot and retries it with backoff until it succeeds. */
export const BOOT_SERVICE = 'pgha-boot.service';
const BOOT_UNIT_FILE = `/etc/systemd/system/${BOOT_SERVICE}`;
const INSTALL_FILE = '/usr/local/sbin/pgha-install-components';
/** What every instance needs besides its role's components: the AWS CLI and curl for the boot script. */
const BOOT_PACKAGES = ['awscli', 'curl'] as const;
const WRITE_SECRET_FILE = '/usr/local/lib/pgha/write-secret';
const VOLUME_DEVICE = '/dev/sdf';

/** User data larger than this is refused by EC2 (before base64). */
export const USER_DATA_LIMIT_BYTES = 16384;

interface BootContext {
  role: string;
  installScript: string;
  member: string;
  cluster: string;
  service: string;
  serviceUser: string;
  tlsSecretArn: string;
  tlsDir: string;
  passwordsSecretArn?: string;
  envFile?: string;
  volumeId: string;
  volumeDevice: string;
  mountPoint: string;
  dataDir: string;
  dns?: { hostedZoneId: string; recordName: string; ttlSeconds: number };
}

const bootScript = compile<BootContext>(BOOT_SCRIPT);
const bootUnit = compile<{ role: string; member: string; cluster: string; bootFile: string }>(BOOT_UNIT);

/**
 * The boot script, its unit and the runcmd that starts it: cloud-init runs once per instance, so it only
 * enables the unit (which then runs at every boot) and starts it without waiting; the unit retries.
 */
function bootFiles(role: string, member: string, cluster: string, script: string) {
  return {
    files: [
      file(BOOT_FILE, '0700', script),
      file(BOOT_UNIT_FILE, '0644', bootUnit({ role, member, cluster, bootFile: BOOT_FILE })),
    ],
    runcmd: [
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', BOOT_SERVICE],
      ['systemctl', 'start', '--no-block', BOOT_SERVICE],
    ],
  };
}
const etcdUnit = compile<{ member: string; cluster: string; mountPoint: string; configFile: string }>(
  ETCD_UNIT,
);
const patroniUnit = compile<{
  member: string;
  cluster: string;
  mountPoint: string;
  configFile: string;
  envFile: string;
}>(PATRONI_UNIT);

/** The boot script of an etcd member (also inside {@link renderEtcdCloudInit}). */
export function renderEtcdBootScript(
  cluster: Cluster,
  memberName: string,
  options: EtcdCloudInitOptions,
): string {
  const member = etcdMember(cluster, memberName);
  const problems: Problem[] = [];
  checkArn(options?.tlsSecretArn, 'options.tlsSecretArn', problems);
  checkVolume(options?.dataVolumeId, 'options.dataVolumeId', problems);
  const dns = options?.dns;
  const recordName = dns?.recordName ?? member.host;
  if (
    typeof dns?.hostedZoneId !== 'string' ||
    !(isToken(dns.hostedZoneId) || /^Z[A-Z0-9]{1,32}$/.test(dns.hostedZoneId))
  ) {
    problems.push({
      path: 'options.dns.hostedZoneId',
      value: dns?.hostedZoneId,
      message: 'give the Route53 hosted zone id (e.g. "Z0123456789ABCDEFGHIJ")',
    });
  }
  if (
    typeof recordName !== 'string' ||
    !(isToken(recordName) || (isHost(recordName) && /[a-z]/i.test(recordName)))
  ) {
    problems.push({
      path: 'options.dns.recordName',
      value: recordName,
      message: `give the member's DNS name (e.g. "${member.name}.${cluster.name}.internal"); the member's host is not one`,
    });
  }
  const ttl = dns?.ttlSeconds ?? 30;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400) {
    problems.push({
      path: 'options.dns.ttlSeconds',
      value: ttl,
      message: 'give a whole number of seconds from 1 to 86400',
    });
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems(
      'INVALID_OPTIONS',
      `cannot render cloud-init for etcd member "${memberName}"`,
      problems,
    );
  }
  const l = AWS_ETCD_LAYOUT;
  return bootScript({
    role: 'etcd',
    installScript: INSTALL_FILE,
    member: member.name,
    cluster: cluster.name,
    service: l.service,
    serviceUser: l.serviceUser,
    tlsSecretArn: options.tlsSecretArn,
    tlsDir: '/etc/pgha/tls',
    volumeId: options.dataVolumeId,
    volumeDevice: VOLUME_DEVICE,
    mountPoint: l.mountPoint,
    dataDir: l.paths.dataDir,
    dns: { hostedZoneId: dns.hostedZoneId, recordName, ttlSeconds: ttl },
  });
}

/** The boot script of a Patroni node (also inside {@link renderPatroniCloudInit}). */
export function renderPatroniBootScript(
  cluster: Cluster,
  nodeName: string,
  options: PatroniCloudInitOptions,
): string {
  const node = patroniNode(cluster, nodeName);
  const problems: Problem[] = [];
  checkArn(options?.tlsSecretArn, 'options.tlsSecretArn', problems);
  checkArn(options?.passwordsSecretArn, 'options.passwordsSecretArn', problems);
  checkVolume(options?.dataVolumeId, 'options.dataVolumeId', problems);
  if (problems.length > 0) {
    throw UserdataError.fromProblems(
      'INVALID_OPTIONS',
      `cannot render cloud-init for Patroni node "${nodeName}"`,
      problems,
    );
  }
  const l = awsPatroniLayout(cluster);
  return bootScript({
    role: 'patroni',
    installScript: INSTALL_FILE,
    member: node.name,
    cluster: cluster.name,
    service: l.service,
    serviceUser: l.serviceUser,
    tlsSecretArn: options.tlsSecretArn,
    tlsDir: '/etc/pgha/tls',
    passwordsSecretArn: options.passwordsSecretArn,
    envFile: l.envFile,
    volumeId: options.dataVolumeId,
    volumeDevice: VOLUME_DEVICE,
    mountPoint: l.mountPoint,
    dataDir: l.paths.dataDir,
  });
}

/**
 * `#cloud-config` user data for one etcd member on EC2: pinned packages (the distro's own etcd unit masked),
 * the rendered etcd config, a systemd unit, and a boot script that fetches the member's certificate from
 * Secrets Manager, attaches and mounts its data volume (formatting it only when blank), points its DNS
 * record at its private IP and starts etcd without waiting for a quorum. The boot script runs as
 * `pgha-boot.service` at every boot, retried with backoff until it succeeds. No key, password or token is in it.
 */
export function renderEtcdCloudInit(
  cluster: Cluster,
  memberName: string,
  options: EtcdCloudInitOptions,
): string {
  const script = renderEtcdBootScript(cluster, memberName, options);
  const boot = bootFiles('etcd', memberName, cluster.name, script);
  const l = AWS_ETCD_LAYOUT;
  const install = renderComponentInstallScript(hostOsOf(cluster, `etcd member "${memberName}"`), {
    etcd: true,
    extraPackages: [...BOOT_PACKAGES, ...checkPackages(options.packages ?? [])],
  });
  return cloudConfig({
    bootcmd: [['systemctl', 'mask', 'etcd.service']],
    write_files: [
      file(INSTALL_FILE, '0700', install),
      file(l.configFile, '0644', renderEtcdConfig(cluster, memberName, l.paths)),
      file(
        l.unitFile,
        '0644',
        etcdUnit({
          member: memberName,
          cluster: cluster.name,
          mountPoint: l.mountPoint,
          configFile: l.configFile,
        }),
      ),
      file(WRITE_SECRET_FILE, '0755', WRITE_SECRET_PY),
      ...boot.files,
    ],
    runcmd: boot.runcmd,
  });
}

/**
 * `#cloud-config` user data for one Patroni node on EC2: pinned packages (no default PostgreSQL cluster, the
 * distro's Patroni unit masked), the rendered Patroni config, a systemd unit reading the passwords from an
 * EnvironmentFile, and a boot script that fetches the node's certificate and the passwords from Secrets
 * Manager, attaches and mounts its data volume and starts Patroni; run by `pgha-boot.service` at every boot,
 * retried with backoff. The superuser logs in only from `superuserCidrs` when given. No key or password is in it.
 */
export function renderPatroniCloudInit(
  cluster: Cluster,
  nodeName: string,
  options: PatroniCloudInitOptions,
): string {
  const script = renderPatroniBootScript(cluster, nodeName, options);
  const boot = bootFiles('patroni', nodeName, cluster.name, script);
  const l = awsPatroniLayout(cluster);
  const install = renderComponentInstallScript(hostOsOf(cluster, `Patroni node "${nodeName}"`), {
    patroni: true,
    postgresVersion: cluster.patroni.postgresVersion,
    extraPackages: [...BOOT_PACKAGES, ...checkPackages(options.packages ?? [])],
  });
  return cloudConfig({
    bootcmd: [['systemctl', 'mask', 'patroni.service']],
    write_files: [
      file(INSTALL_FILE, '0700', install),
      // Installing PostgreSQL must not create and start a default cluster: Patroni owns the data directory.
      file('/etc/postgresql-common/createcluster.conf', '0644', 'create_main_cluster = false\n'),
      file(
        l.configFile,
        '0644',
        renderPatroniConfig(
          cluster,
          nodeName,
          l.paths,
          options.superuserCidrs === undefined ? {} : { superuserCidrs: options.superuserCidrs },
        ),
      ),
      file(
        l.unitFile,
        '0644',
        patroniUnit({
          member: nodeName,
          cluster: cluster.name,
          mountPoint: l.mountPoint,
          configFile: l.configFile,
          envFile: l.envFile,
        }),
      ),
      file(WRITE_SECRET_FILE, '0755', WRITE_SECRET_PY),
      ...boot.files,
    ],
    runcmd: boot.runcmd,
  });
}

function file(path: string, permissions: string, content: string) {
  return { path, owner: 'root:root', permissions, content };
}

function cloudConfig(doc: Record<string, unknown>): string {
  return `#cloud-config\n${toYaml(doc, { compact: true })}`;
}

/** A CDK for Terraform string token (`${TfToken[TOKEN.n]}`): resolved at synth time, not checked here. */
function isToken(value: string): boolean {
  return value.includes('${TfToken[');
}

function checkArn(value: unknown, path: string, problems: Problem[]): void {
  if (
    typeof value === 'string' &&
    (isToken(value) ||
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(value))
  ) {
    return;
  }
  problems.push({
    path,
    value,
    message:
      'give a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or a token',
  });
}

function checkVolume(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value === 'string' && (isToken(value) || /^vol-[0-9a-f]{8,17}$/.test(value))) return;
  problems.push({ path, value, message: 'give an EBS volume id (vol-0123456789abcdef0) or a token' });
}

/** The cluster's `hostOs`: what the instances install depends on it, so cloud-init cannot guess it. */
function hostOsOf(cluster: Cluster, what: string): HostOs {
  if (cluster.hostOs !== undefined) return cluster.hostOs;
  throw UserdataError.fromProblems('INVALID_OPTIONS', `cannot render cloud-init for ${what}`, [
    {
      path: 'cluster.hostOs',
      value: undefined,
      message:
        'give the AMI\'s OS in defineCluster({ hostOs: "debian-12" | "debian-13" }): the packages installed depend on it',
    },
  ]);
}

/** `name` or `name=version`, as apt-get install takes them. */
function checkPackages(pins: readonly PackagePin[]): string[] {
  const problems: Problem[] = [];
  const out: string[] = [];
  pins.forEach((p, i) => {
    if (typeof p?.name !== 'string' || !/^[a-z0-9][a-z0-9+.-]+$/.test(p.name)) {
      problems.push({
        path: `options.packages[${i}].name`,
        value: p?.name,
        message: 'give a Debian package name',
      });
    } else if (
      p.version !== undefined &&
      (typeof p.version !== 'string' || !/^[A-Za-z0-9.+~:-]+$/.test(p.version))
    ) {
      problems.push({
        path: `options.packages[${i}].version`,
        value: p.version,
        message: 'give a Debian version (e.g. "3.4.23-4+b5")',
      });
    } else {
      out.push(p.version === undefined ? p.name : `${p.name}=${p.version}`);
    }
  });
  if (problems.length > 0)
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot render the package list', problems);
  return out;
}

import {
  AMI_ID_RULE,
  AWS_CLUSTER_NAME_RULE,
  availabilityZoneRule,
  DATA_VOLUME_GIB,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HEALTH_CHECK_THRESHOLD_COUNT,
  HOSTED_ZONE_ID_RULE,
  INSTANCE_TYPE_RULE,
  IPV4_NETWORK_RULE,
  intRangeRule,
  isAmiId,
  isAnyAddress,
  isAvailabilityZone,
  isAwsClusterName,
  isHostedZoneId,
  isInstanceType,
  isIntIn,
  isIpv4Network,
  isRegion,
  isSecurityGroupId,
  isSubnetId,
  isTag,
  isVpcCidr,
  isVpcId,
  isZoneName,
  REGION_RULE,
  ROOT_VOLUME_GIB,
  SECURITY_GROUP_ID_RULE,
  SUBNET_ID_RULE,
  TAG_RULE,
  VPC_CIDR_RULE,
  VPC_ID_RULE,
  ZONE_NAME_RULE,
} from '@pgha/aws-kit';
import type { AwsConfig } from '@pgha/aws-stack';
import {
  componentPolicy,
  ETCD_MEMBER_COUNT_RULE,
  HOST_OSES,
  type HostOs,
  isEtcdMemberCount,
  isPatroniNodeCount,
  isPostgresVersion,
  PATRONI_NODE_COUNT_RULE,
  POSTGRES_VERSION_RULE,
  type Problem,
  postgresVersionProblem,
} from '@pgha/userdata';
import { AwsDeployError } from './errors.js';

// The config's shape is `@pgha/aws-stack`'s (which builds the stack from it); this module checks an object
// (parsed from a file, or built in code) field by field with the libraries' rules.
export type { AwsBackend, AwsConfig, AwsSubnet } from '@pgha/aws-stack';

type Json = Record<string, unknown>;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** The value as a user would write it in the file, for messages. */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

class Checker {
  readonly problems: Problem[] = [];

  /**
   * One problem in the libraries' shape, `message` being `use <what is allowed>` as the libraries say it: a
   * field ruled by aws-kit or userdata gets the very message the constructs give.
   */
  add(path: string, value: unknown, allowed: string): void {
    this.problems.push({ path, value, message: `use ${allowed}` });
  }

  /** Required (or optional) field checked against a predicate. */
  check(
    obj: Json,
    prefix: string,
    key: string,
    ok: (v: unknown) => boolean,
    fix: string,
    optional = false,
  ): void {
    const value = obj[key];
    if (optional && value === undefined) return;
    if (!ok(value)) this.add(`${prefix}${key}`, value, fix);
  }

  unknownKeys(obj: Json, prefix: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key))
        this.add(`${prefix}${key}`, obj[key], `remove it; known fields here: ${known.join(', ')}`);
    }
  }

  /** An optional nested object; returns it (or {}) for further checks. */
  section(obj: Json, key: string): Json {
    const value = obj[key];
    if (value === undefined) return {};
    if (!isObject(value)) {
      this.add(key, value, 'write it as a JSON object, e.g. {}');
      return {};
    }
    return value;
  }
}

const TOP_KEYS = [
  'clusterName',
  'region',
  'vpcId',
  'vpcCidr',
  'subnets',
  'amiId',
  'amiOs',
  'zoneName',
  'adminAccess',
  'hostedZoneId',
  'etcd',
  'patroni',
  'tags',
  'backend',
] as const;
const ETCD_KEYS = ['memberCount', 'instanceType', 'dataVolumeSizeGiB', 'rootVolumeSizeGiB'] as const;
const PATRONI_KEYS = [
  'nodeCount',
  'instanceType',
  'dataVolumeSizeGiB',
  'rootVolumeSizeGiB',
  'postgresVersion',
  'timing',
  'synchronousMode',
  'replicaMaxLagBytes',
  'allowedClientCidrs',
  'healthCheckIntervalSeconds',
  'healthyThresholdCount',
  'unhealthyThresholdCount',
] as const;

/**
 * Check every field of an AWS config (`raw`, parsed from the file named `source`, which messages quote); one
 * `CONFIG_INVALID` error lists every problem, each with the field, the value given and the fix, in its message
 * and as `problems`.
 */
export function validateAwsConfig(raw: unknown, source: string): AwsConfig {
  if (!isObject(raw)) {
    throw new AwsDeployError('CONFIG_INVALID', `${source} must hold a JSON object, not ${show(raw)}`, {
      hint: 'start from examples/aws-config.example.json',
    });
  }
  const problems = awsConfigProblems(raw);
  if (problems.length > 0) {
    const lines = problems.map((p) =>
      p.value === undefined
        ? `${p.path}: missing; ${p.message}`
        : `${p.path}: ${show(p.value)} is not valid; ${p.message}`,
    );
    throw new AwsDeployError(
      'CONFIG_INVALID',
      `invalid AWS config (${source}), ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${lines.join('\n  - ')}`,
      {
        hint: 'fix the fields named above; examples/aws-config.example.json documents every field',
        problems,
      },
    );
  }
  return raw as unknown as AwsConfig;
}

/** Every problem of an AWS config object, in the libraries' shape `{path, value, message}` ([] when none). */
export function awsConfigProblems(raw: Readonly<Record<string, unknown>>): Problem[] {
  const c = new Checker();
  c.unknownKeys(raw, '', TOP_KEYS);
  c.check(
    raw,
    '',
    'clusterName',
    // userdata's one rule (also behind --cluster and the local --config), at most 20 on AWS as the constructs say
    isAwsClusterName,
    AWS_CLUSTER_NAME_RULE,
  );
  // Every id, name and size below is aws-kit's one rule for the field, as the constructs ask it.
  c.check(raw, '', 'region', isRegion, REGION_RULE);
  c.check(raw, '', 'vpcId', isVpcId, VPC_ID_RULE);
  c.check(
    raw,
    '',
    'vpcCidr',
    isVpcCidr, // aws-kit's rule, as PatroniCluster's vpcCidr
    VPC_CIDR_RULE,
  );
  c.check(raw, '', 'amiId', isAmiId, AMI_ID_RULE);
  c.check(
    raw,
    '',
    'amiOs',
    (v) => typeof v === 'string' && (HOST_OSES as readonly string[]).includes(v),
    `the AMI's OS: ${HOST_OSES.map((o) => `"${o}"`).join(' or ')} (pgha installs its component policy's etcd, Patroni and PostgreSQL for it)`,
  );
  c.check(raw, '', 'zoneName', isZoneName, ZONE_NAME_RULE);
  c.check(raw, '', 'hostedZoneId', isHostedZoneId, HOSTED_ZONE_ID_RULE, true);

  const region = isRegion(raw.region) ? raw.region : undefined;
  const subnets = raw.subnets;
  if (!Array.isArray(subnets) || subnets.length < 3) {
    c.add(
      'subnets',
      subnets,
      'a list of at least 3 private subnets in different zones: [{"subnetId": "subnet-...", "availabilityZone": "eu-west-1a"}, ...]',
    );
  } else {
    const zones = new Map<string, number>();
    const ids = new Map<string, number>();
    subnets.forEach((s: unknown, i) => {
      const at = `subnets[${i}]`;
      if (!isObject(s)) {
        c.add(at, s, 'write it as {"subnetId": "subnet-...", "availabilityZone": "<region><letter>"}');
        return;
      }
      c.unknownKeys(s, `${at}.`, ['subnetId', 'availabilityZone']);
      c.check(s, `${at}.`, 'subnetId', isSubnetId, SUBNET_ID_RULE);
      c.check(
        s,
        `${at}.`,
        'availabilityZone',
        (v) => isAvailabilityZone(v, region),
        availabilityZoneRule(region),
      );
      if (typeof s.availabilityZone === 'string') {
        const first = zones.get(s.availabilityZone);
        if (first !== undefined)
          c.add(
            `${at}.availabilityZone`,
            s.availabilityZone,
            `one subnet per zone: subnets[${first}] is already in this zone; pick a subnet in another zone`,
          );
        else zones.set(s.availabilityZone, i);
      }
      if (typeof s.subnetId === 'string') {
        const first = ids.get(s.subnetId);
        if (first !== undefined)
          c.add(`${at}.subnetId`, s.subnetId, `subnets[${first}] already names it; list each subnet once`);
        else ids.set(s.subnetId, i);
      }
    });
  }

  const etcd = c.section(raw, 'etcd');
  c.unknownKeys(etcd, 'etcd.', ETCD_KEYS);
  c.check(etcd, 'etcd.', 'memberCount', isEtcdMemberCount, ETCD_MEMBER_COUNT_RULE, true);
  const patroni = c.section(raw, 'patroni');
  c.unknownKeys(patroni, 'patroni.', PATRONI_KEYS);
  c.check(patroni, 'patroni.', 'nodeCount', isPatroniNodeCount, PATRONI_NODE_COUNT_RULE, true);
  for (const [section, prefix] of [
    [etcd, 'etcd.'],
    [patroni, 'patroni.'],
  ] as const) {
    c.check(
      section,
      prefix,
      'instanceType',
      isInstanceType, // aws-kit's rule, as the constructs' instanceType
      `${INSTANCE_TYPE_RULE}, like "t3.medium"`,
      true,
    );
    for (const [key, range] of [
      ['dataVolumeSizeGiB', DATA_VOLUME_GIB],
      ['rootVolumeSizeGiB', ROOT_VOLUME_GIB],
    ] as const)
      c.check(section, prefix, key, (v) => isIntIn(v, range), intRangeRule(range), true);
  }
  // userdata's one rule, then userdata's suite check for the AMI's OS
  const pg = patroni.postgresVersion;
  if (pg !== undefined) {
    const os = (HOST_OSES as readonly unknown[]).includes(raw.amiOs) ? (raw.amiOs as HostOs) : undefined;
    const suite =
      isPostgresVersion(pg) && os !== undefined
        ? postgresVersionProblem(os, pg, 'patroni.postgresVersion')
        : undefined;
    if (!isPostgresVersion(pg)) c.add('patroni.postgresVersion', pg, POSTGRES_VERSION_RULE);
    else if (suite !== undefined && os !== undefined)
      c.add(
        'patroni.postgresVersion',
        pg,
        `a PostgreSQL major version the AMI's OS ships (${os} ships PostgreSQL ${componentPolicy(os).postgresVersions.join(', ')}), or leave it out for that default`,
      );
  }
  c.check(patroni, 'patroni.', 'timing', (v) => v === 'fast' || v === 'safe', '"fast" or "safe"', true);
  c.check(patroni, 'patroni.', 'synchronousMode', (v) => typeof v === 'boolean', 'true or false', true);
  c.check(
    patroni,
    'patroni.',
    'replicaMaxLagBytes',
    (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
    'a whole number of bytes, e.g. 16777216 (16 MiB); leave it out for no lag bound',
    true,
  );
  for (const [key, range] of [
    ['healthCheckIntervalSeconds', HEALTH_CHECK_INTERVAL_SECONDS],
    ['healthyThresholdCount', HEALTH_CHECK_THRESHOLD_COUNT],
    ['unhealthyThresholdCount', HEALTH_CHECK_THRESHOLD_COUNT],
  ] as const)
    c.check(patroni, 'patroni.', key, (v) => isIntIn(v, range), intRangeRule(range), true);
  checkCidrList(c, 'patroni.allowedClientCidrs', patroni.allowedClientCidrs, '"10.20.0.0/16"');

  const admin = raw.adminAccess;
  if (admin !== undefined) checkAdminAccess(c, admin);

  const tags = raw.tags;
  if (tags !== undefined) {
    if (!isObject(tags)) c.add('tags', tags, 'an object of string values, e.g. {"team": "data"}');
    else for (const [k, v] of Object.entries(tags)) if (!isTag(k, v)) c.add(`tags.${k}`, v, TAG_RULE);
  }

  const backend = raw.backend;
  if (backend !== undefined) checkBackend(c, backend);

  return c.problems;
}

/** An optional list of IPv4 CIDRs, none of them every address (`0.0.0.0/0`). */
function checkCidrList(c: Checker, field: string, value: unknown, example: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    c.add(field, value, 'a list of IPv4 CIDRs');
    return;
  }
  // aws-kit's rule, as the constructs' allowedClientCidrs and adminAccess.cidrs
  value.forEach((v: unknown, i) => {
    if (!isIpv4Network(v) || isAnyAddress(v))
      c.add(
        `${field}[${i}]`,
        v,
        `${IPV4_NETWORK_RULE}, never open to every address (0.0.0.0/0), e.g. ${example}`,
      );
  });
}

/** `adminAccess`: CIDRs (never every address) and/or a security group id; at least one of them. */
function checkAdminAccess(c: Checker, admin: unknown): void {
  const fix =
    '{"cidrs": ["10.20.200.0/24"]} and/or {"securityGroupId": "sg-..."}: the hosts verify and operators run on';
  if (!isObject(admin)) {
    c.add('adminAccess', admin, fix);
    return;
  }
  c.unknownKeys(admin, 'adminAccess.', ['cidrs', 'securityGroupId']);
  const cidrs = admin.cidrs;
  checkCidrList(c, 'adminAccess.cidrs', cidrs, '"10.20.200.0/24" (the admin hosts)');
  c.check(admin, 'adminAccess.', 'securityGroupId', isSecurityGroupId, SECURITY_GROUP_ID_RULE, true);
  if ((!Array.isArray(cidrs) || cidrs.length === 0) && admin.securityGroupId === undefined)
    c.add('adminAccess', admin, fix);
}

function checkBackend(c: Checker, backend: unknown): void {
  if (!isObject(backend) || (backend.type !== 'local' && backend.type !== 's3')) {
    c.add(
      isObject(backend) ? 'backend.type' : 'backend',
      isObject(backend) ? backend.type : backend,
      '{"type": "local"} or {"type": "s3", "bucket": ..., "key": ..., "region": ..., "useLockfile": true}',
    );
    return;
  }
  if (backend.type === 'local') {
    c.unknownKeys(backend, 'backend.', ['type', 'path']);
    c.check(
      backend,
      'backend.',
      'path',
      (v) => typeof v === 'string' && v.length > 0 && !v.startsWith('/'),
      'a relative path (relative to the stack directory), e.g. "terraform.tfstate"',
      true,
    );
    return;
  }
  c.unknownKeys(backend, 'backend.', ['type', 'bucket', 'key', 'region', 'dynamodbTable', 'useLockfile']);
  c.check(
    backend,
    'backend.',
    'bucket',
    (v) => typeof v === 'string' && BUCKET.test(v),
    'an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)',
  );
  c.check(
    backend,
    'backend.',
    'key',
    (v) => typeof v === 'string' && v.length > 0 && v.length <= 1024 && !v.startsWith('/'),
    'an object key such as "pgha/main/terraform.tfstate" (no leading slash)',
  );
  c.check(backend, 'backend.', 'region', isRegion, `the bucket's region: ${REGION_RULE}`);
  c.check(
    backend,
    'backend.',
    'dynamodbTable',
    (v) => typeof v === 'string' && /^[A-Za-z0-9_.-]{3,255}$/.test(v),
    'a DynamoDB table name (3-255 letters, digits, "_", "-", ".")',
    true,
  );
  c.check(backend, 'backend.', 'useLockfile', (v) => typeof v === 'boolean', 'true or false', true);
  const locks = (backend.dynamodbTable === undefined ? 0 : 1) + (backend.useLockfile === true ? 1 : 0);
  if (locks !== 1) {
    c.add(
      'backend.useLockfile',
      backend.useLockfile,
      'exactly one state lock: "useLockfile": true (S3-native, Terraform >= 1.10) or a "dynamodbTable"',
    );
  }
}

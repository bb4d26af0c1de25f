import { readFileSync } from 'node:fs';
import {
  AMI_ID_RULE,
  AWS_CLUSTER_NAME_RULE,
  DATA_VOLUME_GIB,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HOSTED_ZONE_ID_RULE,
  INSTANCE_TYPE_RULE,
  IPV4_NETWORK_RULE,
  intRangeRule,
  type Problem,
  problemLine,
  SECURITY_GROUP_ID_RULE,
  SUBNET_ID_RULE,
  TAG_RULE,
  VPC_CIDR_RULE,
  VPC_ID_RULE,
  ZONE_NAME_RULE,
} from '@pgha/aws-kit';
import { validateEtcdClusterProps } from '@pgha/etcd-stack';
import { DEFAULTS, optionProblemLine, optionProblems } from '@pgha/local-cluster';
import { validatePatroniClusterProps } from '@pgha/patroni-stack';
import { isPkiError, type Problem as PkiProblemShape, resolveBundleSpec } from '@pgha/pki';
import {
  CLUSTER_NAME_RULE,
  type Cluster,
  defineCluster,
  ETCD_MEMBER_COUNT_RULE,
  HOST_RULE,
  PATRONI_NODE_COUNT_RULE,
  PORT_RULE,
  POSTGRES_VERSION_RULE,
  type Problem as UserdataProblem,
  validateCluster,
} from '@pgha/userdata';
import { isVerifyError, parseManifest } from '@pgha/verify';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { AWS_EXAMPLE, type Json } from '../test/support.js';
import { awsConfigProblems, validateAwsConfig } from './config.js';

// One bad value gets one answer everywhere (issue 16): every entry point that takes a field is fed the same
// values and must give the same verdict, and a refusal must carry the same rule text (what is allowed).

/** An entry point's answer for one field: the problem line naming it, or undefined when the value passes. */
type Entry = (value: unknown) => string | undefined;

const EXAMPLE = JSON.parse(readFileSync(AWS_EXAMPLE, 'utf8')) as Json;
const AMI_OS = EXAMPLE.amiOs as 'debian-12' | 'debian-13';

/** A field's path, or a function of the value for fields named by it (`tags.<key>`). */
type Field = string | ((value: unknown) => string);
const lineFor = (lines: readonly string[], field: string) =>
  lines.find((l) => l.startsWith(`${field}:`) || l.startsWith(`${field} `));

/** The AWS config file: the example with `edit` applied to a fresh copy (`field` as the config names it). */
function awsConfig(edit: (c: Json, value: unknown) => Json, fieldOf: Field): Entry {
  return (value) => {
    const field = typeof fieldOf === 'string' ? fieldOf : fieldOf(value);
    try {
      validateAwsConfig(edit(structuredClone(EXAMPLE), value), 'test');
      return undefined;
    } catch (e) {
      const lines = (e as Error).message.split('\n  - ').slice(1);
      const line = lineFor(lines, field);
      if (line === undefined) throw new Error(`no line for ${field} in: ${(e as Error).message}`);
      return line;
    }
  };
}
const awsTop = (key: string): Entry => awsConfig((c, v) => ({ ...c, [key]: v }), key);
const awsIn = (section: string, key: string): Entry =>
  awsConfig((c, v) => ({ ...c, [section]: { [key]: v } }), `${section}.${key}`);

function local(key: string): Entry {
  return (value) =>
    lineFor(optionProblems({ ...DEFAULTS, [key]: value }, 'test').map(optionProblemLine), key);
}

const members = (n: number, zone = 'main.pgha.internal') =>
  Array.from({ length: n }, (_, i) => ({ name: `etcd-${i + 1}`, host: `etcd-${i + 1}.${zone}` }));
const nodes = (n: number, zone = 'main.pgha.internal') =>
  Array.from({ length: n }, (_, i) => ({ name: `pg-${i + 1}`, host: `pg-${i + 1}.${zone}` }));
const clusterInput = (over: { name?: unknown; etcd?: Json; patroni?: Json; hostOs?: string } = {}) => ({
  name: over.name ?? 'main',
  ...(over.hostOs === undefined ? {} : { hostOs: over.hostOs }),
  etcd: { members: members(3), ...over.etcd },
  patroni: { nodes: nodes(3), allowedCidrs: ['10.20.0.0/16'], ...over.patroni },
});

function userdata(field: string, input: (v: unknown) => unknown): Entry {
  return (value) => {
    const p = validateCluster(input(value)).find((x) => x.path === field);
    return p === undefined ? undefined : `${p.path}: ${p.message} (given: ${JSON.stringify(p.value)})`;
  };
}

/** verify's manifest parser: a valid manifest (DESIGN.md's example) with `edit` applied to a fresh copy. */
const MANIFEST = {
  version: 1,
  cluster: 'main',
  target: 'local',
  etcd: {
    endpoints: ['https://127.0.10.1:2379', 'https://127.0.10.2:2379', 'https://127.0.10.3:2379'],
    members: 3,
    tls: { ca: 'pki/ca.crt', cert: 'pki/verify.crt', key: 'pki/verify.key' },
  },
  patroni: { scope: 'main', rest: ['https://127.0.20.1:8008'] },
  postgres: {
    primary: { host: '127.0.30.1', port: 5432 },
    replicas: { host: '127.0.30.1', port: 5433 },
    user: 'postgres',
    passwordFile: 'secrets/postgres',
    database: 'postgres',
  },
};
function manifest(edit: (m: Json, value: unknown) => void, field: string): Entry {
  return (value) => {
    const m = structuredClone(MANIFEST) as Json;
    edit(m, value);
    try {
      parseManifest(m, { baseDir: '/s' });
      return undefined;
    } catch (e) {
      if (!isVerifyError(e)) throw e;
      const p = e.problems.find((x) => x.path === field);
      if (p === undefined) throw new Error(`no problem for ${field} in: ${e.message}`);
      return `${p.path}: ${p.message} (given: ${JSON.stringify(p.value)})`;
    }
  };
}
const primary = (m: Json) => (m.postgres as { primary: Json }).primary;

/** A valid AWS cluster description, then hand-edited (defineCluster would refuse the bad values first). */
const awsCluster: Cluster = defineCluster(clusterInput({ hostOs: AMI_OS }) as never);
const placement = {
  vpcId: 'vpc-0123456789abcdef0',
  subnets: ['a', 'b', 'c'].map((z) => ({
    subnetId: `subnet-0${z.repeat(7)}`,
    availabilityZone: `eu-west-1${z}`,
  })),
  amiId: 'ami-0123456789abcdef0',
  zoneName: 'pgha.internal',
};
function construct(
  validate: (props: never) => void,
  extra: Json,
  edit: (c: Cluster, v: unknown) => unknown,
  field: string,
): Entry {
  return (value) => {
    try {
      validate({ ...placement, ...extra, cluster: edit(awsCluster, value) } as never);
      return undefined;
    } catch (e) {
      const line = lineFor((e as { problems: readonly Problem[] }).problems.map(problemLine), field);
      if (line === undefined) throw e;
      return line;
    }
  };
}
const etcdConstruct = (edit: (c: Cluster, v: unknown) => unknown, field: string) =>
  construct(validateEtcdClusterProps as never, {}, edit, field);
const patroniConstruct = (edit: (c: Cluster, v: unknown) => unknown, field: string) =>
  construct(
    validatePatroniClusterProps as never,
    { vpcCidr: '10.20.0.0/16', hostedZoneId: 'Z0ZONE123' },
    edit,
    field,
  );

/** A construct prop other than the cluster: set (or, for `nested`, built from the value) on valid props. */
function constructProp(
  validate: (props: never) => void,
  extra: Json,
  prop: (v: unknown) => Json,
  fieldOf: Field,
): Entry {
  return (value) => {
    const field = typeof fieldOf === 'string' ? fieldOf : fieldOf(value);
    try {
      validate({ ...placement, ...extra, cluster: awsCluster, ...prop(value) } as never);
      return undefined;
    } catch (e) {
      return lineFor((e as { problems: readonly Problem[] }).problems.map(problemLine), field);
    }
  };
}
const PATRONI_EXTRA = { vpcCidr: '10.20.0.0/16', hostedZoneId: 'Z0ZONE123', preserveClientIp: true };
const etcdProp = (prop: (v: unknown) => Json, field: Field) =>
  constructProp(validateEtcdClusterProps as never, {}, prop, field);
const patroniProp = (prop: (v: unknown) => Json, field: Field) =>
  constructProp(validatePatroniClusterProps as never, PATRONI_EXTRA, prop, field);

interface FieldTable {
  readonly entries: Readonly<Record<string, Entry>>;
  /** [value, the entry points that accept it (all others refuse), the rule text each refusal carries] */
  readonly cases: readonly [unknown, readonly string[], string][];
}

const ALL = (t: FieldTable) => Object.keys(t.entries);
const AWS = ['aws config', 'EtcdCluster', 'PatroniCluster'];

const TABLES: Readonly<Record<string, FieldTable>> = {
  'cluster name': {
    entries: {
      'aws config': awsTop('clusterName'),
      'local --config': local('cluster'),
      defineCluster: userdata('name', (v) => clusterInput({ name: v })),
      EtcdCluster: etcdConstruct((c, v) => ({ ...c, name: v }), 'cluster.name'),
      PatroniCluster: patroniConstruct((c, v) => ({ ...c, name: v }), 'cluster.name'),
      manifest: manifest((m, v) => {
        m.cluster = v;
      }, 'cluster'),
    },
    cases: [
      ['main', AWS.concat('local --config', 'defineCluster', 'manifest'), CLUSTER_NAME_RULE],
      ['main-', [], CLUSTER_NAME_RULE],
      ['Main', [], CLUSTER_NAME_RULE],
      ['1main', [], CLUSTER_NAME_RULE],
      ['a'.repeat(40), [], CLUSTER_NAME_RULE],
      // load balancer names derive from it: the AWS entry points allow 20 characters, the local ones (and the
      // manifest, which names a local or an AWS cluster) 32
      ['a'.repeat(25), ['local --config', 'defineCluster', 'manifest'], AWS_CLUSTER_NAME_RULE],
    ],
  },
  // Ports: cluster descriptions (the constructs and the local renderers take theirs from one) and the manifest.
  port: {
    entries: {
      defineCluster: userdata('patroni.postgresPort', (v) => clusterInput({ patroni: { postgresPort: v } })),
      manifest: manifest((m, v) => {
        primary(m).port = v;
      }, 'postgres.primary.port'),
    },
    cases: [5432, 15432, 1, 65535, 0, 65536, '5432', 80.5, -1].map((v) => [
      v,
      typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535
        ? ['defineCluster', 'manifest']
        : [],
      PORT_RULE,
    ]),
  },
  // Addresses a node or the load balancer is dialled by.
  host: {
    entries: {
      defineCluster: userdata('patroni.nodes[0].host', (v) =>
        clusterInput({ patroni: { nodes: [{ name: 'pg-1', host: v }, ...nodes(3).slice(1)] } }),
      ),
      manifest: manifest((m, v) => {
        primary(m).host = v;
      }, 'postgres.primary.host'),
    },
    cases: [
      ['127.0.30.1', ['defineCluster', 'manifest'], HOST_RULE],
      ['::1', ['defineCluster', 'manifest'], HOST_RULE],
      ['pg-1.main.pgha.internal', ['defineCluster', 'manifest'], HOST_RULE],
      ['', [], HOST_RULE],
      ['db host', [], HOST_RULE],
      ['pg_1.internal', [], HOST_RULE],
      ['127.0.300.1', [], HOST_RULE],
      [5432, [], HOST_RULE],
    ],
  },
  'PostgreSQL version (range)': {
    entries: {
      'aws config': awsIn('patroni', 'postgresVersion'),
      'local --config': local('postgresVersion'),
      defineCluster: userdata('patroni.postgresVersion', (v) =>
        clusterInput({ patroni: { postgresVersion: v } }),
      ),
    },
    cases: [
      [12, [], POSTGRES_VERSION_RULE],
      [100, [], POSTGRES_VERSION_RULE],
      ['15', [], POSTGRES_VERSION_RULE],
      [17.5, [], POSTGRES_VERSION_RULE],
      [17, ['aws config', 'local --config', 'defineCluster'], POSTGRES_VERSION_RULE],
    ],
  },
  // With the OS known (the AMI's; defineCluster's hostOs) a version must also be one its suite ships.
  'PostgreSQL version (the AMI OS suite)': {
    entries: {
      'aws config': awsIn('patroni', 'postgresVersion'),
      defineCluster: userdata('patroni.postgresVersion', (v) =>
        clusterInput({ hostOs: AMI_OS, patroni: { postgresVersion: v } }),
      ),
    },
    cases: [13, 15, 17, 99].map((v) => [
      v,
      (AMI_OS === 'debian-13' ? v === 17 : v === 15) ? ['aws config', 'defineCluster'] : [],
      `${AMI_OS} ships PostgreSQL ${AMI_OS === 'debian-13' ? 17 : 15}`,
    ]),
  },
  'etcd member count': {
    entries: {
      'aws config': awsIn('etcd', 'memberCount'),
      'local --config': local('etcdMembers'),
      defineCluster: userdata('etcd.members', (v) =>
        clusterInput({ etcd: { members: members(v as number) } }),
      ),
      EtcdCluster: etcdConstruct(
        (c, v) => ({ ...c, etcd: { ...c.etcd, members: members(v as number, 'main.pgha.internal') } }),
        'cluster.etcd.members',
      ),
    },
    cases: [2, 3, 4, 5, 7].map((v) => [
      v,
      v === 3 || v === 5 ? ['aws config', 'local --config', 'defineCluster', 'EtcdCluster'] : [],
      ETCD_MEMBER_COUNT_RULE,
    ]),
  },
  'Patroni node count': {
    entries: {
      'aws config': awsIn('patroni', 'nodeCount'),
      'local --config': local('patroniNodes'),
      defineCluster: userdata('patroni.nodes', (v) =>
        clusterInput({ patroni: { nodes: nodes(v as number) } }),
      ),
      PatroniCluster: patroniConstruct(
        (c, v) => ({ ...c, patroni: { ...c.patroni, nodes: nodes(v as number) } }),
        'cluster.patroni.nodes',
      ),
    },
    cases: [1, 2, 5, 6].map((v) => [
      v,
      v >= 2 && v <= 5 ? ['aws config', 'local --config', 'defineCluster', 'PatroniCluster'] : [],
      PATRONI_NODE_COUNT_RULE,
    ]),
  },
  'instance type': {
    entries: {
      'aws config (etcd)': awsIn('etcd', 'instanceType'),
      'aws config (patroni)': awsIn('patroni', 'instanceType'),
      EtcdCluster: etcdProp((v) => ({ instanceType: v }), 'instanceType'),
      PatroniCluster: patroniProp((v) => ({ instanceType: v }), 'instanceType'),
    },
    cases: ['t3.medium', 'm7g.xlarge', 'u-6tb1.metal', 'large', 'T3.medium', '3t.medium', 't3.x-y'].map(
      (v) => [
        v,
        ['t3.medium', 'm7g.xlarge', 'u-6tb1.metal'].includes(v)
          ? ['aws config (etcd)', 'aws config (patroni)', 'EtcdCluster', 'PatroniCluster']
          : [],
        INSTANCE_TYPE_RULE,
      ],
    ),
  },
  'VPC CIDR': {
    entries: {
      'aws config': awsTop('vpcCidr'),
      PatroniCluster: patroniProp((v) => ({ vpcCidr: v }), 'vpcCidr'),
    },
    cases: [
      ['10.20.0.0/16', ['aws config', 'PatroniCluster'], VPC_CIDR_RULE],
      ['10.20.0.0/8', [], VPC_CIDR_RULE],
      ['10.20.0.1/16', [], VPC_CIDR_RULE],
      ['10.20.0.0/29', [], VPC_CIDR_RULE],
      ['10.20.0.0', [], VPC_CIDR_RULE],
      ['0.0.0.0/0', [], VPC_CIDR_RULE],
    ],
  },
  'client CIDRs': {
    entries: {
      'aws config': awsConfig(
        (c, v) => ({ ...c, patroni: { allowedClientCidrs: [v] } }),
        'patroni.allowedClientCidrs[0]',
      ),
      PatroniCluster: patroniProp((v) => ({ allowedClientCidrs: [v] }), 'allowedClientCidrs[0]'),
    },
    cases: [
      ['10.20.1.0/24', ['aws config', 'PatroniCluster'], IPV4_NETWORK_RULE],
      ['10.20.1.1/24', [], IPV4_NETWORK_RULE],
      ['10.20.1.0/33', [], IPV4_NETWORK_RULE],
      ['10.20.1.0', [], IPV4_NETWORK_RULE],
      // every address: each entry point says who must not be open to it
      ['0.0.0.0/0', [], 'open to every address'],
    ],
  },
  'admin CIDRs': {
    entries: {
      'aws config': awsConfig((c, v) => ({ ...c, adminAccess: { cidrs: [v] } }), 'adminAccess.cidrs[0]'),
      EtcdCluster: etcdProp((v) => ({ adminAccess: { cidrs: [v] } }), 'adminAccess.cidrs[0]'),
      PatroniCluster: patroniProp((v) => ({ adminAccess: { cidrs: [v] } }), 'adminAccess.cidrs[0]'),
    },
    cases: [
      ['10.20.200.0/24', ['aws config', 'EtcdCluster', 'PatroniCluster'], IPV4_NETWORK_RULE],
      ['10.20.200.1/24', [], IPV4_NETWORK_RULE],
      ['10.20.200.0/40', [], IPV4_NETWORK_RULE],
      ['0.0.0.0/0', [], 'open to every address'],
    ],
  },
};

/** The AWS id fields: the config file and both constructs take them, and ask aws-kit's one rule for each. */
const withFirstSubnet = (key: string) => (v: unknown) => ({
  subnets: placement.subnets.map((sn, i) => (i === 0 ? { ...sn, [key]: v } : sn)),
});
const awsSubnet = (key: string): Entry =>
  awsConfig(
    (c, v) => ({
      ...c,
      subnets: (c.subnets as Json[]).map((sn, i) => (i === 0 ? { ...sn, [key]: v } : sn)),
    }),
    `subnets[0].${key}`,
  );
const idTable = (
  config: Entry,
  prop: (v: unknown) => Json,
  field: Field,
  good: readonly unknown[],
  bad: readonly unknown[],
  rule: string,
): FieldTable => ({
  entries: {
    'aws config': config,
    EtcdCluster: etcdProp(prop, field),
    PatroniCluster: patroniProp(prop, field),
  },
  cases: [
    ...good.map((v): [unknown, readonly string[], string] => [v, AWS, rule]),
    ...bad.map((v): [unknown, readonly string[], string] => [v, [], rule]),
  ],
});

const AWS_ID_TABLES: Readonly<Record<string, FieldTable>> = {
  'VPC id': idTable(
    awsTop('vpcId'),
    (v) => ({ vpcId: v }),
    'vpcId',
    ['vpc-0123456789abcdef0', 'vpc-0123abcd'],
    // 4 and 16 hex digits, upper case, not hex, a bare word: EC2 ids are 8 or 17 lowercase hex digits
    ['vpc-0123', 'vpc-0123456789abcdef', 'vpc-0123456789ABCDEF0', 'vpc-xyz00000', 'default'],
    VPC_ID_RULE,
  ),
  'subnet id': idTable(
    awsSubnet('subnetId'),
    withFirstSubnet('subnetId'),
    'subnets[0].subnetId',
    ['subnet-0123456789abcdef0', 'subnet-0aaaaaaa'],
    ['subnet-0aaa', 'sn-0123456789abcdef0', 'subnet-0123456789abcdeg0'],
    SUBNET_ID_RULE,
  ),
  'AMI id': idTable(
    awsTop('amiId'),
    (v) => ({ amiId: v }),
    'amiId',
    ['ami-0123456789abcdef0', 'ami-0123abcd'],
    ['ami-42', 'debian-13', 'ami-0123456789abcdef'],
    AMI_ID_RULE,
  ),
  'admin security group id': idTable(
    awsConfig((c, v) => ({ ...c, adminAccess: { securityGroupId: v } }), 'adminAccess.securityGroupId'),
    (v) => ({ adminAccess: { securityGroupId: v } }),
    'adminAccess.securityGroupId',
    ['sg-0123456789abcdef0', 'sg-0123abcd'],
    ['sg-0admin', 'sg-1', 'admins'],
    SECURITY_GROUP_ID_RULE,
  ),
  'hosted zone id': idTable(
    awsTop('hostedZoneId'),
    (v) => ({ hostedZoneId: v }),
    'hostedZoneId',
    ['Z0123456789ABCDEFGHIJ', 'Z1D633PJN98FT9'],
    ['/hostedzone/Z1D633PJN98FT9', 'z1d633pjn98ft9', `Z${'A'.repeat(32)}`],
    HOSTED_ZONE_ID_RULE,
  ),
  'zone name': idTable(
    awsTop('zoneName'),
    (v) => ({ zoneName: v }),
    'zoneName',
    ['pgha.internal', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.internal`],
    // over 200 characters (the constructs build longer names from it), upper case, a trailing dot
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.internal1`, 'PGHA.internal', 'pgha.internal.'],
    ZONE_NAME_RULE,
  ),
  'tag key': idTable(
    awsConfig(
      (c, v) => ({ ...c, tags: { [v as string]: 'x' } }),
      (v) => `tags.${v}`,
    ),
    (v) => ({ tags: { [v as string]: 'x' } }),
    (v) => `tags.${v}`,
    ['team', 'k'.repeat(128)],
    ['pgha:role', 'aws:owner', 'k'.repeat(129)],
    TAG_RULE,
  ),
  'data volume size': {
    entries: {
      'aws config (etcd)': awsIn('etcd', 'dataVolumeSizeGiB'),
      'aws config (patroni)': awsIn('patroni', 'dataVolumeSizeGiB'),
      EtcdCluster: etcdProp((v) => ({ dataVolumeSizeGiB: v }), 'dataVolumeSizeGiB'),
      PatroniCluster: patroniProp((v) => ({ dataVolumeSizeGiB: v }), 'dataVolumeSizeGiB'),
    },
    cases: [0, 1, 16384, 16385, 1.5].map((v) => [
      v,
      v === 1 || v === 16384
        ? ['aws config (etcd)', 'aws config (patroni)', 'EtcdCluster', 'PatroniCluster']
        : [],
      intRangeRule(DATA_VOLUME_GIB),
    ]),
  },
  'health check interval': {
    entries: {
      'aws config': awsIn('patroni', 'healthCheckIntervalSeconds'),
      PatroniCluster: patroniProp(
        (v) => ({ healthCheckIntervalSeconds: v, healthCheckTimeoutSeconds: 2 }),
        'healthCheckIntervalSeconds',
      ),
    },
    cases: [4, 5, 300, 301].map((v) => [
      v,
      v === 5 || v === 300 ? ['aws config', 'PatroniCluster'] : [],
      intRangeRule(HEALTH_CHECK_INTERVAL_SECONDS),
    ]),
  },
};

describe.each(Object.entries({ ...TABLES, ...AWS_ID_TABLES }))(
  '%s: one answer at every entry point',
  (_, table) => {
    test.each(
      table.cases.map(([value, accepting, rule]) => [JSON.stringify(value), value, accepting, rule] as const),
    )('%s', (_shown, value, accepting, rule) => {
      for (const name of accepting) expect(ALL(table), `unknown entry ${name}`).toContain(name);
      const answers = Object.fromEntries(
        Object.entries(table.entries).map(([name, entry]) => [name, entry(value)]),
      );
      const verdicts = Object.fromEntries(
        Object.entries(answers).map(([name, line]) => [name, line === undefined ? 'accepted' : 'refused']),
      );
      expect(verdicts).toEqual(
        Object.fromEntries(
          ALL(table).map((name) => [name, accepting.includes(name) ? 'accepted' : 'refused']),
        ),
      );
      for (const [name, line] of Object.entries(answers)) {
        if (line === undefined) continue;
        expect(line, name).toContain(rule);
        // the house format: the field and the value given are named too
        expect(line, name).toContain(String(value).slice(0, 10));
      }
    });
  },
);

// The AWS id fields go further than the same verdict: the AWS config and both constructs report the very same
// problem, {path, value, message}, from aws-kit's rule (the paths differ only where the config nests a field).
describe('AWS id fields: the config file and the constructs give the same problem', () => {
  const constructProblems = (validate: (props: never) => void, extra: Json, prop: Json) => {
    try {
      validate({ ...placement, ...extra, cluster: awsCluster, ...prop } as never);
      return [];
    } catch (e) {
      return (e as { problems: readonly Problem[] }).problems;
    }
  };
  test.each([
    ['vpcId', 'vpc-0123', (v: unknown) => ({ vpcId: v })],
    ['amiId', 'ami-42', (v: unknown) => ({ amiId: v })],
    ['hostedZoneId', '/hostedzone/Z1D633PJN98FT9', (v: unknown) => ({ hostedZoneId: v })],
    ['zoneName', 'PGHA.internal', (v: unknown) => ({ zoneName: v })],
    ['subnets[0].subnetId', 'subnet-0aaa', withFirstSubnet('subnetId')],
    ['adminAccess.securityGroupId', 'sg-0admin', (v: unknown) => ({ adminAccess: { securityGroupId: v } })],
    ['tags.aws:owner', 'me', (v: unknown) => ({ tags: { 'aws:owner': v } })],
  ] as const)('%s = %j', (path, value, prop) => {
    const fromConfig = awsConfigProblems({ ...structuredClone(EXAMPLE), ...prop(value) }).filter(
      (p) => p.path === path,
    );
    const fromEtcd = constructProblems(validateEtcdClusterProps as never, {}, prop(value));
    const fromPatroni = constructProblems(validatePatroniClusterProps as never, PATRONI_EXTRA, prop(value));
    expect(fromConfig).toHaveLength(1);
    expect(fromConfig[0]?.value).toBe(value);
    expect(fromEtcd).toEqual(fromConfig);
    expect(fromPatroni).toEqual(fromConfig);
  });
});

describe('one problem shape', () => {
  test("every package's error lists its problems as {path, value, message}, each under its own brand", () => {
    // The type is one: aws-kit re-exports userdata's, pki declares the same shape (it depends on no package).
    expectTypeOf<Problem>().toEqualTypeOf<UserdataProblem>();
    expectTypeOf<PkiProblemShape>().toEqualTypeOf<UserdataProblem>();

    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as { name: string; problems: readonly Record<string, unknown>[] };
      }
      throw new Error('expected an error');
    };
    const errors = [
      caught(() => defineCluster(clusterInput({ name: 'main-' }) as never)),
      caught(() => validateEtcdClusterProps({ ...placement, cluster: awsCluster, vpcId: 'vpc-1' } as never)),
      caught(() =>
        validatePatroniClusterProps({
          ...placement,
          ...PATRONI_EXTRA,
          cluster: awsCluster,
          amiId: 'ami-1',
        } as never),
      ),
      caught(() => parseManifest({ ...MANIFEST, cluster: 'main-' }, { baseDir: '/s' })),
      caught(() => resolveBundleSpec({ clusterName: 'Main!', etcdMembers: [], patroniNodes: [] } as never)),
    ];
    expect(errors.map((e) => e.name)).toEqual([
      'UserdataError',
      'EtcdStackError',
      'PatroniStackError',
      'VerifyError',
      'PkiError',
    ]);
    expect(isPkiError(errors[4])).toBe(true);
    for (const e of errors) {
      expect(e.problems.length, e.name).toBeGreaterThan(0);
      for (const p of e.problems) {
        // pki adds the rule's stable code; nothing else differs
        expect(
          Object.keys(p)
            .filter((k) => k !== 'code')
            .sort(),
          e.name,
        ).toEqual(['message', 'path', 'value']);
        expect([typeof p.path, typeof p.message], e.name).toEqual(['string', 'string']);
      }
    }
  });
});

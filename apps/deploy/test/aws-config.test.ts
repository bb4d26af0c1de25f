import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateAwsConfig } from '@pgha/aws-deploy';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_EXAMPLE, isolatedEnv, type Json, terraformMissing } from './aws-support.js';
import { cli, traversableTempDir } from './helpers.js';

let root: string;
let example: Json;

beforeAll(async () => {
  root = await traversableTempDir('pgha-aws-config-');
  example = JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')) as Json;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function synthWith(config: unknown): Promise<{ code: number; stderr: string; state: string }> {
  n += 1;
  const file = join(root, `config-${n}.json`);
  await writeFile(file, JSON.stringify(config));
  const state = join(root, `state-${n}`);
  const result = await cli(['synth', '--config', file, '--state-dir', state], isolatedEnv(root));
  return { code: result.code, stderr: result.stderr, state };
}

const subnets = (example: Json) => example.subnets as Json[];

// [what, edit of the example config, field named, value shown, part of the fix]
const CASES: [string, (c: Json) => Json, string, string, string][] = [
  ['cluster name', (c) => ({ ...c, clusterName: 'Main' }), 'clusterName', '"Main"', 'a lower-case letter'],
  // the same rule as --cluster and the local --config: no trailing "-"
  [
    'cluster name ending in -',
    (c) => ({ ...c, clusterName: 'main-' }),
    'clusterName',
    '"main-"',
    'not ending in "-"',
  ],
  ['region', (c) => ({ ...c, region: 'europe' }), 'region', '"europe"', '"eu-west-1"'],
  ['VPC id', (c) => ({ ...c, vpcId: 'vpc-xyz' }), 'vpcId', '"vpc-xyz"', 'vpc-0123456789abcdef0'],
  [
    'VPC CIDR host bits',
    (c) => ({ ...c, vpcCidr: '10.20.0.1/16' }),
    'vpcCidr',
    '"10.20.0.1/16"',
    'host bits zero',
  ],
  ['VPC CIDR missing', ({ vpcCidr: _, ...c }) => c, 'vpcCidr', 'missing', "the VPC's IPv4 CIDR block"],
  [
    'no subnets',
    (c) => ({ ...c, subnets: [] }),
    'subnets',
    '[]',
    'at least 3 private subnets in different zones',
  ],
  [
    'zone outside the region',
    (c) => ({
      ...c,
      subnets: subnets(c).map((s, i) => (i === 1 ? { ...s, availabilityZone: 'us-east-1b' } : s)),
    }),
    'subnets[1].availabilityZone',
    '"us-east-1b"',
    '"eu-west-1a", "eu-west-1b"',
  ],
  [
    'two subnets in one zone',
    (c) => ({
      ...c,
      subnets: subnets(c).map((s, i) => (i === 2 ? { ...s, availabilityZone: 'eu-west-1a' } : s)),
    }),
    'subnets[2].availabilityZone',
    '"eu-west-1a"',
    'subnets[0] is already in this zone',
  ],
  [
    'subnet id',
    (c) => ({ ...c, subnets: subnets(c).map((s, i) => (i === 0 ? { ...s, subnetId: 'sn-1' } : s)) }),
    'subnets[0].subnetId',
    '"sn-1"',
    'a subnet id: "subnet-" and 8 or 17 lowercase hex digits',
  ],
  ['AMI id', (c) => ({ ...c, amiId: 'ami-123' }), 'amiId', '"ami-123"', 'ami-0123456789abcdef0'],
  [
    'AMI OS',
    (c) => ({ ...c, amiOs: 'ubuntu-24.04' }),
    'amiOs',
    '"ubuntu-24.04"',
    '"debian-12" or "debian-13"',
  ],
  [
    'a PostgreSQL the AMI suite lacks',
    (c) => ({ ...c, amiOs: 'debian-13', patroni: { ...(c.patroni as object), postgresVersion: 15 } }),
    'patroni.postgresVersion',
    '15',
    'debian-13 ships PostgreSQL 17',
  ],
  [
    'zone name',
    (c) => ({ ...c, zoneName: 'PGHA.internal.' }),
    'zoneName',
    '"PGHA.internal."',
    'without a trailing dot',
  ],
  ['etcd member count', (c) => ({ ...c, etcd: { memberCount: 4 } }), 'etcd.memberCount', '4', '3 or 5'],
  [
    'etcd instance type',
    (c) => ({ ...c, etcd: { instanceType: 'huge' } }),
    'etcd.instanceType',
    '"huge"',
    '"t3.medium"',
  ],
  [
    'Patroni node count',
    (c) => ({ ...c, patroni: { nodeCount: 7 } }),
    'patroni.nodeCount',
    '7',
    '2 to 5 nodes',
  ],
  [
    'data volume size',
    (c) => ({ ...c, patroni: { dataVolumeSizeGiB: 0 } }),
    'patroni.dataVolumeSizeGiB',
    '0',
    'a whole number from 1 to 16384',
  ],
  [
    'health check interval',
    (c) => ({ ...c, patroni: { healthCheckIntervalSeconds: 2 } }),
    'patroni.healthCheckIntervalSeconds',
    '2',
    'from 5 to 300',
  ],
  [
    'client CIDR open to the world',
    (c) => ({ ...c, patroni: { allowedClientCidrs: ['0.0.0.0/0'] } }),
    'patroni.allowedClientCidrs[0]',
    '"0.0.0.0/0"',
    'never open to every address (0.0.0.0/0)',
  ],
  [
    'unknown field',
    (c) => ({ ...c, vpcID: 'vpc-11111111' }),
    'vpcID',
    '"vpc-11111111"',
    'known fields here: clusterName',
  ],
  [
    'S3 backend without a lock',
    (c) => ({
      ...c,
      backend: { type: 's3', bucket: 'acme-tf-state', key: 'pgha.tfstate', region: 'eu-west-1' },
    }),
    'backend.useLockfile',
    'missing',
    '"useLockfile": true',
  ],
  ['backend type', (c) => ({ ...c, backend: { type: 'gcs' } }), 'backend.type', '"gcs"', '{"type": "local"}'],
  [
    'admin access open to the world',
    (c) => ({ ...c, adminAccess: { cidrs: ['0.0.0.0/0'] } }),
    'adminAccess.cidrs[0]',
    '"0.0.0.0/0"',
    'never open to every address (0.0.0.0/0)',
  ],
  [
    'admin access naming nobody',
    (c) => ({ ...c, adminAccess: {} }),
    'adminAccess',
    '{}',
    'the hosts verify and operators run on',
  ],
  [
    'admin security group id',
    (c) => ({ ...c, adminAccess: { securityGroupId: 'admins' } }),
    'adminAccess.securityGroupId',
    '"admins"',
    'sg-0123456789abcdef0',
  ],
];

describe('bad AWS config: exit 2 naming the field, the value and the fix; nothing written', () => {
  test.each(CASES)('%s', async (_what, edit, field, value, fix) => {
    const result = await synthWith(edit(example));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`  - ${field}: ${value}`);
    const line = result.stderr.split('\n').find((l) => l.startsWith(`  - ${field}: `)) ?? '';
    expect(line).toContain(
      value === 'missing' ? `${field}: missing; use ` : `${field}: ${value} is not valid; use `,
    );
    expect(line).toContain(fix);
    expect(result.stderr).toContain('hint: fix the fields named above');
    expect(existsSync(result.state)).toBe(false);
  });

  test('one error lists every problem', async () => {
    const result = await synthWith({ ...example, region: 'x', amiId: 'y', etcd: { memberCount: 2 } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('3 problems');
    for (const field of ['region', 'amiId', 'etcd.memberCount'])
      expect(result.stderr).toContain(`  - ${field}: `);
  });

  test('a missing config file, a file that is not JSON, and no --config at all: exit 2', async () => {
    const missing = join(root, 'nope.json');
    const a = await cli(['synth', '--config', missing, '--state-dir', join(root, 's')], isolatedEnv(root));
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`error: cannot read --config ${missing}: ENOENT`);
    expect(a.stderr).toContain('hint: pass the path of a readable JSON file');

    const bad = join(root, 'bad.json');
    await writeFile(bad, '{"clusterName": "main",');
    const b = await cli(
      ['plan', '--offline', '--config', bad, '--state-dir', join(root, 's')],
      isolatedEnv(root),
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`--config ${bad} is not valid JSON`);

    const c = await cli(['synth', '--state-dir', join(root, 's')], isolatedEnv(root));
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('the AWS target needs --config FILE');
    expect(existsSync(join(root, 's'))).toBe(false);
  });

  test('the example the README recommends is production-safe: no burstable instances, the safe profile, admin access', () => {
    const config = validateAwsConfig(example, AWS_EXAMPLE);
    // Burstable classes (t2, t3, t3a, t4g) run out of CPU credits and stall: exactly the pauses that fail over.
    for (const type of [config.etcd?.instanceType, config.patroni?.instanceType])
      expect(type).toMatch(/^(?!t\d)[a-z]\d+[a-z]*\.[a-z0-9]+$/);
    expect(config.patroni?.timing).toBe('safe');
    expect(config.adminAccess?.cidrs?.length).toBeGreaterThan(0);
  });

  test("the examples package's cluster.example.json is a valid AWS config too", async () => {
    const file = fileURLToPath(new URL('../../../examples/cluster.example.json', import.meta.url));
    const config = validateAwsConfig(JSON.parse(await readFile(file, 'utf8')), file);
    expect(config.clusterName).toBe('main');
  });
});

const missing = terraformMissing();
describe.skipIf(missing !== undefined)('plan without --offline and without AWS credentials', () => {
  test('fails at once (exit 2: a precondition the user fixes) naming what to do; nothing synthesized', async () => {
    const state = join(root, 'online');
    const result = await cli(['plan', '--config', AWS_EXAMPLE, '--state-dir', state], isolatedEnv(root));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no AWS credentials');
    expect(result.stderr).toContain('or run plan --offline');
    expect(existsSync(state)).toBe(false);
  });
});

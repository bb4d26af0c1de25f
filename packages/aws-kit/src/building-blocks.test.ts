import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { configOf, ofType, ref, resourceAt, resourcePaths, synthWith } from '../test/synth.js';
import { IMDSV2_REQUIRED, MAX_USER_DATA_BYTES, userDataProblem } from './instance.js';
import { addInternalNlb, addTcpIngress, addWebEgress } from './network.js';
import { stripUndefined } from './props.js';
import { addSecretContainer, addSecretsKey } from './secrets.js';
import { applyStandardTags, standardTags } from './tags.js';

describe('addSecretsKey', () => {
  test('creates a rotating customer key and its alias, and returns its ARN', () => {
    const { doc, built } = synthWith((scope) => {
      const c = new Construct(scope, 'c');
      return { c, arn: addSecretsKey(c, { description: 'd', aliasName: 'alias/pgha-main-etcd' }) };
    });
    expect(resourcePaths(built.c)).toEqual(['kms-alias', 'kms-key']);
    const key = resourceAt(built.c, 'kms-key');
    expect(configOf(doc, key)).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(configOf(doc, resourceAt(built.c, 'kms-alias'))).toEqual({
      name: 'alias/pgha-main-etcd',
      target_key_id: ref(key, 'key_id'),
    });
    expect(doc.resource.aws_secretsmanager_secret).toBeUndefined();
    expect(built.arn).toMatch(/^\$\{TfToken\[/);
  });

  test('uses a given key and creates nothing', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/given';
    const { doc, built } = synthWith((scope) => {
      const c = new Construct(scope, 'c');
      const keyArn = addSecretsKey(c, { kmsKeyArn: arn, description: 'd', aliasName: 'alias/x' });
      addSecretContainer(c, 's', {
        name: 'pgha/main/x',
        description: 'x',
        kmsKeyArn: keyArn,
        recoveryWindowDays: 0,
      });
      return keyArn;
    });
    expect(built).toBe(arn);
    expect(ofType(doc, 'aws_kms_key')).toEqual([]);
    expect(ofType(doc, 'aws_secretsmanager_secret')).toEqual([
      { name: 'pgha/main/x', description: 'x', kms_key_id: arn, recovery_window_in_days: 0 },
    ]);
  });
});

describe('tags', () => {
  test('applyStandardTags tags every taggable resource below; tags set on a resource win', () => {
    const { doc } = synthWith((scope) => {
      const c = new Construct(scope, 'c');
      const tags = applyStandardTags(c, 'main', 'etcd', { team: 'db' });
      expect(tags).toEqual({
        team: 'db',
        'pgha:cluster': 'main',
        'pgha:role': 'etcd',
        'pgha:managed-by': 'pgha',
      });
      new SecurityGroup(c, 'a', { name: 'a' });
      new SecurityGroup(c, 'b', { name: 'b', tags: { team: 'web', Name: 'b' } });
      new SecurityGroup(scope, 'outside', { name: 'o' });
    });
    const byName = Object.fromEntries(ofType(doc, 'aws_security_group').map((g) => [g.name, g.tags]));
    expect(byName.a).toEqual({
      team: 'db',
      'pgha:cluster': 'main',
      'pgha:role': 'etcd',
      'pgha:managed-by': 'pgha',
    });
    expect(byName.b).toMatchObject({ team: 'web', Name: 'b', 'pgha:role': 'etcd' });
    expect(byName.o).toBeUndefined();
  });

  test("the caller's extra tags cannot replace pgha's own", () => {
    expect(standardTags('main', 'patroni', { 'pgha:role': 'x' })['pgha:role']).toBe('patroni');
  });
});

describe('network', () => {
  test('addTcpIngress opens one port to a CIDR or a security group; addWebEgress opens 443 and 80', () => {
    const { doc, built } = synthWith((scope) => {
      const c = new Construct(scope, 'c');
      addTcpIngress(c, 'from-cidr', {
        securityGroupId: 'sg-11111111',
        port: 2379,
        from: { cidr: '10.0.0.0/8' },
        description: 'a',
      });
      addTcpIngress(c, 'from-sg', {
        securityGroupId: 'sg-11111111',
        port: 5432,
        from: { securityGroupId: 'sg-22222222' },
        description: 'b',
      });
      addWebEgress(c, 'sg-11111111', 'AWS APIs');
      return c;
    });
    expect(resourcePaths(built)).toEqual(['egress-http', 'egress-https', 'from-cidr', 'from-sg']);
    expect(ofType(doc, 'aws_vpc_security_group_ingress_rule')).toEqual([
      {
        security_group_id: 'sg-11111111',
        ip_protocol: 'tcp',
        from_port: 2379,
        to_port: 2379,
        description: 'a',
        cidr_ipv4: '10.0.0.0/8',
      },
      {
        security_group_id: 'sg-11111111',
        ip_protocol: 'tcp',
        from_port: 5432,
        to_port: 5432,
        description: 'b',
        referenced_security_group_id: 'sg-22222222',
      },
    ]);
    const egress = ofType(doc, 'aws_vpc_security_group_egress_rule').map((r) => [r.from_port, r.cidr_ipv4]);
    expect(egress.sort()).toEqual([
      [443, '0.0.0.0/0'],
      [80, '0.0.0.0/0'],
    ]);
  });

  test('addInternalNlb: internal, network, cross-zone, one leg per distinct subnet', () => {
    const { doc } = synthWith((scope) =>
      addInternalNlb(scope, 'lb', {
        name: 'main-pg',
        securityGroupId: 'sg-1b1b1b1b',
        subnets: [
          { subnetId: 'subnet-aaaaaaaa', availabilityZone: 'z1' },
          { subnetId: 'subnet-bbbbbbbb', availabilityZone: 'z2' },
          { subnetId: 'subnet-aaaaaaaa', availabilityZone: 'z1' },
        ],
      }),
    );
    expect(ofType(doc, 'aws_lb')).toEqual([
      {
        name: 'main-pg',
        internal: true,
        load_balancer_type: 'network',
        subnets: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'],
        security_groups: ['sg-1b1b1b1b'],
        enable_cross_zone_load_balancing: true,
      },
    ]);
  });
});

/** A real unresolved token, as an ARN of a resource appears in user-data before synthesis. */
const aToken = () =>
  new TerraformVariable(new TerraformStack(Testing.app(), 'tokens'), 'arn', { type: 'string' }).stringValue;

describe('instances', () => {
  test('IMDSv2 only, hop limit 1', () => {
    expect(IMDSV2_REQUIRED).toEqual({
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
    });
  });

  test('userDataProblem: literal template syntax is refused, escapes and tokens are fine', () => {
    expect(userDataProblem('pg-1', '#cloud-config\nruncmd: [echo $' + '{HOME}]\n')).toMatch(
      /^user-data of pg-1 contains a literal "\$\{" or "%\{"/,
    );
    expect(userDataProblem('pg-1', '# %{ if x }')).toMatch(/contains a literal/);
    expect(userDataProblem('pg-1', 'echo $$' + '{HOME} %%{x}')).toBeUndefined();
    expect(userDataProblem('pg-1', `arn: ${aToken()}`)).toBeUndefined();
  });

  test('userDataProblem counts each token at its worst case against the 16 KiB EC2 limit', () => {
    const token = aToken();
    const filler = 'x'.repeat(MAX_USER_DATA_BYTES - 160);
    expect(userDataProblem('etcd-1', `${filler}${token}`)).toBeUndefined();
    expect(userDataProblem('etcd-1', `${filler}x${token}`)).toBe(
      `user-data of etcd-1 is up to ${MAX_USER_DATA_BYTES + 1} bytes once references resolve; EC2 accepts at most 16384`,
    );
  });
});

test('stripUndefined drops only undefined values, so defaults survive an explicit undefined', () => {
  const p = { ...{ a: 1, b: 2, c: 3 }, ...stripUndefined({ a: undefined, b: 0, c: null }) };
  expect(p).toEqual({ a: 1, b: 0, c: null });
});

import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadExampleConfig } from '../aws-stack.js';
import {
  adminIngressOnlyFromAdmin,
  checkResources,
  imdsv2Required,
  instancesDependOnSecrets,
  noOpenIngress,
  noSecretMaterial,
  noSecretValueResources,
  noSuperuserFromVpc,
  nothingPublic,
  planHoldsNoSecretInputs,
  type ResourceView,
  resourcesFromSynth,
  secretIamScoped,
  secretInputsEphemeral,
  volumesEncrypted,
} from './security-rules.js';
import { synthToTemp } from './support.js';

type Json = Record<string, unknown>;
/** Terraform's reference to an input variable, `${var.NAME}` (Terraform syntax, not a JS template). */
const tfVar = (name: string) => `\${var.${name}}`;
const { doc } = synthToTemp();
const resources = resourcesFromSynth(doc);
const config = loadExampleConfig();
const admin = config.adminAccess ?? {};
const yaml11 = (text: string) => parse(text, { version: '1.1' });
const first = (type: string): ResourceView => {
  const r = resources.find((x) => x.type === type);
  if (!r) throw new Error(`no ${type}`);
  return r;
};
/** A copy of one resource with a planted defect. */
const planted = (type: string, change: (values: Json) => void): ResourceView[] => {
  const r = structuredClone(first(type));
  change(r.values);
  return [r];
};

describe('security rules over the synthesized example stack', () => {
  test('the stack has what the rules are about (they cannot pass vacuously)', () => {
    const count = (t: string) => resources.filter((r) => r.type === t).length;
    expect(count('aws_launch_template')).toBe(3);
    expect(count('aws_instance')).toBe(3);
    expect(count('aws_ebs_volume')).toBe(6);
    expect(count('aws_lb')).toBe(1);
    expect(count('aws_iam_role_policy')).toBe(6);
    expect(count('aws_vpc_security_group_ingress_rule')).toBeGreaterThan(5);
  });

  test('all rules hold', () => {
    expect(checkResources(resources)).toEqual([]);
  });

  test('admin ingress (etcd 2379, Patroni 8008, PostgreSQL) only from the configured admin access', () => {
    expect(admin.cidrs).toEqual(['10.20.200.0/24']);
    expect(adminIngressOnlyFromAdmin(resources, admin)).toEqual([]);
    // Not vacuous: there are admin rules, on each of the ports verify reads.
    const adminPorts = resources
      .filter((r) => r.type === 'aws_vpc_security_group_ingress_rule')
      .filter((r) => /admin access/.test(String(r.values.description)))
      .map((r) => r.values.from_port);
    expect([...new Set(adminPorts)].sort()).toEqual([2379, 5432, 5433, 8008]);
  });

  test('every instance and autoscaling group depends on its role policy (and secret versions, where there are some)', () => {
    expect(instancesDependOnSecrets(doc)).toEqual([]);
  });

  test('pg_hba: no line lets the superuser in from the VPC CIDR', () => {
    expect(noSuperuserFromVpc(doc, config.vpcCidr, yaml11)).toEqual([]);
  });

  test('no PEM block and no generated password anywhere, user-data decoded', () => {
    expect(noSecretMaterial(doc)).toEqual([]);
  });

  test('the example stack takes no secret inputs (the deploy app adds them; its tests run these rules)', () => {
    expect(secretInputsEphemeral(doc)).toEqual([]);
    expect(doc.variable).toBeUndefined();
  });
});

describe('each rule fires on a planted defect', () => {
  const passwords = [
    'BdesrJ6RazfPeA15zuPiju7B',
    'MvtYzYdo5b0wlZdhdAFvit2N',
    'xuTcI5dB36GHcnoHVItOnbhH',
    'jUdPwRuk8UoKne5bkaNI2Dfu',
  ];

  test.each(passwords)('a generated password (%s) in an output', (pw) => {
    expect(noSecretMaterial({ output: { db: { value: `postgres:${pw}@db` } } })).toEqual([
      expect.objectContaining({ rule: 'no-password', where: 'output.db.value' }),
    ]);
  });

  test('a generated password inside base64 user-data', () => {
    const r = planted('aws_launch_template', (v) => {
      const text = `${Buffer.from(v.user_data as string, 'base64').toString()}\n# PGPASSWORD=${passwords[0]}\n`;
      v.user_data = Buffer.from(text).toString('base64');
    });
    expect(noSecretMaterial(r)).toEqual([
      expect.objectContaining({
        rule: 'no-password',
        where: expect.stringMatching(/user_data \(base64-decoded\)$/),
      }),
    ]);
  });

  test('a PEM block inside base64 user-data', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    const r = planted('aws_instance', (v) => {
      v.user_data_base64 = Buffer.from(`#cloud-config\n${pem}`).toString('base64');
    });
    expect(noSecretMaterial(r).map((x) => x.rule)).toContain('no-pem');
  });

  test('names, paths and resource ids are not mistaken for passwords', () => {
    const text =
      'pgha/main/patroni/pg-1/tls aws_ebs_volume.patroni_node-2_data-volume_02DB3717 AmazonSSMManagedInstanceCore';
    expect(noSecretMaterial({ variable: { x: { default: text } } })).toEqual([]);
  });

  test('a secret value Terraform would store: a secret version with secret_string or secret_binary', () => {
    const version = (values: Json): ResourceView[] => [
      { type: 'aws_secretsmanager_secret_version', address: 'aws_secretsmanager_secret_version.x', values },
    ];
    expect(noSecretValueResources(version({ secret_string: tfVar('s') }))).toEqual([
      expect.objectContaining({ rule: 'no-secret-values', detail: expect.stringContaining('secret_string') }),
    ]);
    expect(noSecretValueResources(version({ secret_binary: 'eA==' }))).toHaveLength(1);
    expect(noSecretValueResources([{ type: 'random_password', address: 'p', values: {} }])).toHaveLength(1);
    // The write-only attribute is the allowed way: in the stack a reference, in the plan null.
    expect(
      noSecretValueResources(version({ secret_string_wo: tfVar('s'), secret_string_wo_version: 1 })),
    ).toEqual([]);
    expect(
      noSecretValueResources(version({ secret_string: null, secret_binary: null, secret_string_wo: null })),
    ).toEqual([]);
  });

  describe('secret inputs: ephemeral, sensitive, without default, never recorded in the plan', () => {
    const stack = (variable: Json, wo = tfVar('s')): Json => ({
      variable: { s: variable },
      resource: {
        aws_secretsmanager_secret_version: {
          v: { secret_id: 'arn', secret_string_wo: wo, secret_string_wo_version: 1 },
        },
      },
    });
    const good = { type: 'string', sensitive: true, ephemeral: true, nullable: false };

    test('holds for an ephemeral, sensitive variable used whole', () => {
      expect(secretInputsEphemeral(stack(good))).toEqual([]);
    });

    test.each([
      ['not ephemeral', { ...good, ephemeral: undefined }, 'not ephemeral'],
      ['not sensitive', { ...good, sensitive: false }, 'not sensitive'],
      ['a default', { ...good, default: 'x' }, 'has a default'],
    ])('fires on a variable %s', (_, variable, detail) => {
      expect(secretInputsEphemeral(stack(variable))).toEqual([
        expect.objectContaining({
          rule: 'ephemeral-secret-inputs',
          where: 'variable.s',
          detail: expect.stringContaining(detail),
        }),
      ]);
    });

    test('fires on a value that is not one variable, or an undeclared one', () => {
      expect(secretInputsEphemeral(stack(good, `literal-${tfVar('s')}`))).toHaveLength(1);
      expect(secretInputsEphemeral({ resource: stack(good).resource })).toEqual([
        expect.objectContaining({ where: 'variable.s', detail: 'not declared' }),
      ]);
    });

    const plan = (variables: Json | undefined, sensitive: boolean): Json => ({
      ...(variables === undefined ? {} : { variables }),
      configuration: {
        root_module: {
          variables: { s: sensitive ? { sensitive: true } : {} },
          resources: [
            {
              address: 'aws_secretsmanager_secret_version.v',
              type: 'aws_secretsmanager_secret_version',
              expressions: { secret_string_wo: { references: ['var.s'] } },
            },
          ],
        },
      },
    });

    test('plan JSON: holds when the value is not recorded and the variable is sensitive', () => {
      expect(planHoldsNoSecretInputs(plan(undefined, true))).toEqual([]);
    });

    test('plan JSON: fires on a recorded value (a non-ephemeral variable) or a non-sensitive one', () => {
      expect(planHoldsNoSecretInputs(plan({ s: { value: 'x' } }, true))).toEqual([
        expect.objectContaining({ detail: 'value recorded in the plan' }),
      ]);
      expect(planHoldsNoSecretInputs(plan(undefined, false))).toEqual([
        expect.objectContaining({ detail: 'not sensitive' }),
      ]);
    });
  });

  test('admin ports open to another CIDR, or an admin rule from another source', () => {
    const rule = (values: Json): ResourceView => ({
      type: 'aws_vpc_security_group_ingress_rule',
      address: 'aws_vpc_security_group_ingress_rule.x',
      values,
    });
    expect(
      adminIngressOnlyFromAdmin([rule({ from_port: 2379, cidr_ipv4: '10.20.0.0/16' })], admin),
    ).toHaveLength(1);
    expect(
      adminIngressOnlyFromAdmin([rule({ from_port: 8008, cidr_ipv4: '10.20.0.0/16' })], admin),
    ).toHaveLength(1);
    expect(
      adminIngressOnlyFromAdmin(
        [
          rule({
            from_port: 5432,
            cidr_ipv4: '10.9.0.0/16',
            description: 'PostgreSQL admin access, primary',
          }),
        ],
        admin,
      ),
    ).toHaveLength(1);
    expect(
      adminIngressOnlyFromAdmin([rule({ from_port: 8008, referenced_security_group_id: 'sg-x' })], admin),
    ).toEqual([]);
  });

  test('an instance or autoscaling group that does not wait for its policy or its secret versions', () => {
    const without = structuredClone(doc) as { resource: Record<string, Record<string, Json>> };
    const instance = Object.values(without.resource.aws_instance ?? {})[0] as Json;
    instance.depends_on = [];
    expect(instancesDependOnSecrets(without)).toEqual([
      expect.objectContaining({
        rule: 'boot-dependencies',
        detail: expect.stringMatching(/aws_iam_role_policy/),
      }),
    ]);
    // A version of every secret the roles read: nothing depends on them yet.
    const withVersions = structuredClone(doc) as { resource: Record<string, Record<string, Json>> };
    withVersions.resource.aws_secretsmanager_secret_version = Object.fromEntries(
      Object.keys(withVersions.resource.aws_secretsmanager_secret ?? {}).map((name) => [
        `v_${name}`,
        { secret_id: `\${aws_secretsmanager_secret.${name}.arn}` },
      ]),
    );
    const found = instancesDependOnSecrets(withVersions);
    // 3 etcd ASGs (one TLS secret each) and 3 Patroni instances (TLS secret and the passwords).
    expect(found).toHaveLength(3 + 3 * 2);
  });

  test('a superuser line for the VPC CIDR, or no reject before the client line', () => {
    const withHba = (lines: string[]) => ({
      locals: {
        pg: `#cloud-config\n${JSON.stringify({
          write_files: [
            { path: '/etc/pgha/patroni.yml', content: JSON.stringify({ postgresql: { pg_hba: lines } }) },
          ],
        })}`,
      },
    });
    const client = 'hostssl all all 10.20.0.0/16 scram-sha-256';
    expect(noSuperuserFromVpc(withHba([client]), '10.20.0.0/16', yaml11)).toHaveLength(1);
    expect(
      noSuperuserFromVpc(
        withHba(['hostssl all postgres 10.0.0.0/8 scram-sha-256', client]),
        '10.20.0.0/16',
        yaml11,
      ),
    ).toHaveLength(1);
    expect(
      noSuperuserFromVpc(
        withHba([
          'hostssl all postgres 10.20.200.0/24 scram-sha-256',
          'host all postgres all reject',
          client,
        ]),
        '10.20.0.0/16',
        yaml11,
      ),
    ).toEqual([]);
  });

  test('IMDSv1 allowed', () => {
    expect(
      imdsv2Required(
        planted('aws_launch_template', (v) => (v.metadata_options = { http_tokens: 'optional' })),
      ),
    ).toHaveLength(1);
    expect(imdsv2Required(planted('aws_instance', (v) => delete v.metadata_options))).toHaveLength(1);
  });

  test('an unencrypted volume', () => {
    expect(volumesEncrypted(planted('aws_ebs_volume', (v) => (v.encrypted = false)))).toHaveLength(1);
    expect(
      volumesEncrypted(planted('aws_instance', (v) => (v.root_block_device = { encrypted: false }))),
    ).toHaveLength(1);
    expect(
      volumesEncrypted(
        planted(
          'aws_launch_template',
          (v) => (v.block_device_mappings = [{ device_name: '/dev/xvda', ebs: { encrypted: 'false' } }]),
        ),
      ),
    ).toHaveLength(1);
  });

  test('ingress from anywhere', () => {
    expect(
      noOpenIngress(planted('aws_vpc_security_group_ingress_rule', (v) => (v.cidr_ipv4 = '0.0.0.0/0'))),
    ).toHaveLength(1);
    expect(
      noOpenIngress(planted('aws_vpc_security_group_ingress_rule', (v) => (v.cidr_ipv6 = '::/0'))),
    ).toHaveLength(1);
    expect(
      noOpenIngress([
        { type: 'aws_security_group', address: 's', values: { ingress: [{ cidr_blocks: ['0.0.0.0/0'] }] } },
      ]),
    ).toHaveLength(1);
  });

  test('an internet-facing load balancer or a public address', () => {
    expect(nothingPublic(planted('aws_lb', (v) => (v.internal = false)))).toHaveLength(1);
    expect(
      nothingPublic(planted('aws_instance', (v) => (v.associate_public_ip_address = true))),
    ).toHaveLength(1);
    expect(
      nothingPublic(
        planted(
          'aws_launch_template',
          (v) => (v.network_interfaces = [{ associate_public_ip_address: 'true' }]),
        ),
      ),
    ).toHaveLength(1);
  });

  test('secret or KMS actions on "*" or a wildcard ARN', () => {
    const widen = (resource: string) =>
      planted('aws_iam_role_policy', (v) => {
        const policy = JSON.parse(v.policy as string) as { Statement: Json[] };
        (policy.Statement[0] as Json).Resource = [resource];
        v.policy = JSON.stringify(policy);
      });
    expect(secretIamScoped(widen('*'))).toHaveLength(1);
    expect(
      secretIamScoped(widen('arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgha/*')),
    ).toHaveLength(1);
  });
});

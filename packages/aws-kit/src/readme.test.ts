import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { MonitorHost, type MonitorHostProps } from '../test/readme-example.js';
import { configOf, type Json, ofType, ref, resourceAt, resourcePaths, synthWith } from '../test/synth.js';

// The README's usage example is test/readme-example.ts verbatim (typechecked with the package, synthesized here).

const props: MonitorHostProps = {
  clusterName: 'main',
  vpcId: 'vpc-0123456789abcdef0',
  subnet: { subnetId: 'subnet-0aaaaaaa', availabilityZone: 'eu-west-1a' },
  amiId: 'ami-0123456789abcdef0',
  allowScrapersFrom: [{ cidr: '10.20.0.0/16' }],
  tags: { team: 'db' },
};

describe('README usage example', () => {
  test('the README shows test/readme-example.ts verbatim', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  test('synthesizes a hardened host: IMDSv2, no public IP, encrypted volumes, scoped role, tags everywhere', () => {
    const { doc, built } = synthWith((scope) => new MonitorHost(scope, 'monitor', props));
    expect(resourcePaths(built)).toEqual([
      'data-volume',
      'egress-http',
      'egress-https',
      'instance',
      'instance-profile',
      'kms-alias',
      'kms-key',
      'policy',
      'role',
      'scrape-1',
      'security-group',
      'tls-secret',
    ]);
    const instance = configOf(doc, resourceAt(built, 'instance'));
    expect(instance).toMatchObject({
      associate_public_ip_address: false,
      metadata_options: { http_tokens: 'required', http_put_response_hop_limit: 1 },
      root_block_device: { encrypted: true, volume_type: 'gp3' },
      iam_instance_profile: ref(resourceAt(built, 'instance-profile'), 'name'),
    });
    const policy = JSON.parse(configOf(doc, resourceAt(built, 'policy')).policy as string) as {
      Statement: Json[];
    };
    expect(policy.Statement.find((s) => s.Sid === 'ReadOwnTlsSecret')?.Resource).toEqual([
      ref(resourceAt(built, 'tls-secret'), 'arn'),
    ]);
    expect(built.tlsSecretName).toBe('pgha/main/monitor/monitor-1/tls');
    for (const type of ['aws_instance', 'aws_ebs_volume', 'aws_security_group', 'aws_kms_key']) {
      for (const r of ofType(doc, type))
        expect(r.tags, type).toMatchObject({ 'pgha:cluster': 'main', 'pgha:role': 'monitor', team: 'db' });
    }
  });

  test('refuses bad props with one error that lists every problem', () => {
    expect(() =>
      synthWith(
        (scope) =>
          new MonitorHost(scope, 'monitor', {
            ...props,
            amiId: 'debian',
            allowScrapersFrom: [{ cidr: '0.0.0.0/0' }],
          }),
      ),
    ).toThrow(
      /^MonitorHost '.*monitor': 2 invalid prop\(s\):\n {2}- amiId: got "debian".*\n {2}- allowScrapersFrom\[0\]: got "0\.0\.0\.0\/0"; metrics must stay private$/,
    );
  });
});

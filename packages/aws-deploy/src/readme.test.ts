import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBNET_ID_RULE, VPC_ID_RULE } from '@pgha/aws-kit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { synthExample } from '../test/readme-example.js';
import { AWS_EXAMPLE } from '../test/support.js';

// The README's runnable example is test/readme-example.ts verbatim (typechecked with the package, run here).

let dir: string;
let example: Record<string, unknown>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-aws-deploy-readme-'));
  example = JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')) as Record<string, unknown>;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the README shows test/readme-example.ts verbatim as its first ts block', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const code = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
  expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(code);
});

test('synthesizes the example config: the steps, the stack file, its resources and outputs, secrets wrapped', async () => {
  const lines = await synthExample(dir, example);
  expect(lines).toEqual([
    'steps: load, pki, secrets, secret-versions, synth',
    `stack: ${join(dir, 'main', 'cdktf.out', 'stacks', 'main', 'cdk.tf.json')}`,
    'resources: 96',
    'outputs: etcd_client_urls, etcd_member_names, etcd_tls_secret_arns, node_tls_secret_arns, passwords_secret_arn, patroni_nodes, primary_endpoint, replica_endpoint',
    'secret inputs: 7 ("[secret]")',
  ]);
  const stack = JSON.parse(
    await readFile(join(dir, 'main', 'cdktf.out', 'stacks', 'main', 'cdk.tf.json'), 'utf8'),
  );
  expect(Object.keys(stack.resource.aws_instance ?? {})).toHaveLength(3);
});

test('bad config: every problem, with the field, the value and the fix', async () => {
  const subnets = example.subnets as Record<string, unknown>[];
  const lines = await synthExample(join(dir, 'bad'), {
    ...example,
    vpcId: 'vpc-1',
    subnets: [{ ...subnets[0], subnetId: 'subnet-x' }, ...subnets.slice(1)],
  });
  expect(lines).toEqual([
    `vpcId: "vpc-1": use ${VPC_ID_RULE}`,
    `subnets[0].subnetId: "subnet-x": use ${SUBNET_ID_RULE}`,
  ]);
});

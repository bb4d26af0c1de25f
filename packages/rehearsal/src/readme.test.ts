import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { planRehearsal } from '../test/readme-example.js';

// The README's runnable example is test/readme-example.ts verbatim (typechecked with the package, run here).

const AWS_EXAMPLE = fileURLToPath(new URL('../../../examples/aws-config.example.json', import.meta.url));

test('the README shows test/readme-example.ts verbatim as its first ts block', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const code = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
  expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(code);
});

test("plans the example config's rehearsal: its work dir, the VPC's addresses, the subnets; nothing written", async () => {
  const example = JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')) as unknown;
  const root = join('/nonexistent', 'state');
  const lines = planRehearsal(root, example, { PATH: '' });
  expect(lines).toEqual([
    `work dir: ${join(root, 'main', 'rehearsal')}`,
    'VPC: namespace pgha-r-main-vpc, 10.20.0.0/16, gateway 10.20.0.1, resolver 10.20.0.2',
    'emulator in the VPC: http://10.20.0.3:5000; admin host 10.20.200.10',
    'subnets: 10.20.0.0/24, 10.20.1.0/24, 10.20.2.0/24',
    // No PATH: the first thing a rehearsal needs is missing, and said so.
    'not ready: moto_server (the AWS emulator) was not found on PATH',
  ]);
});

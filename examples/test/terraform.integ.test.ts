import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { checkResources, noSecretMaterial, resourcesFromPlan, resourcesFromSynth } from './security-rules.js';
import { synthToTemp, terraform, terraformAvailability } from './support.js';

const availability = terraformAvailability();
const missing = 'missing' in availability ? availability.missing : undefined;
if (missing !== undefined && process.env.CI) {
  throw new Error(
    `CI is set but ${missing}: install Terraform 1.11 and the hashicorp/aws 5.100.0 mirror in /opt/tf-plugins`,
  );
}
if (missing !== undefined) {
  console.warn(`SKIPPED: terraform tests on the example stack: ${missing}`);
}

type Json = Record<string, unknown>;

describe.skipIf(missing !== undefined)('real Terraform on the synthesized example stack (offline)', () => {
  const bin = 'terraform' in availability ? availability.terraform : '';
  let dir = '';
  let doc: Json = {};
  let plan: Json = {};

  beforeAll(async () => {
    ({ dir, doc } = synthToTemp());
    await terraform(bin, dir, ['init', '-input=false', '-no-color', `-plugin-dir=/opt/tf-plugins`]);
  }, 120_000);

  test('terraform validate: valid, no errors and no warnings', async () => {
    const result = JSON.parse(await terraform(bin, dir, ['validate', '-json', '-no-color'])) as Json;
    expect(result).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
  }, 120_000);

  test('terraform plan creates exactly the synthesized resources, offline with dummy credentials', async () => {
    await terraform(bin, dir, [
      'plan',
      '-input=false',
      '-lock=false',
      '-refresh=false',
      '-no-color',
      '-out=plan.bin',
    ]);
    const text = await terraform(bin, dir, ['show', '-json', '-no-color', 'plan.bin']);
    writeFileSync(join(dir, 'plan.json'), text);
    plan = JSON.parse(text) as Json;
    const changes = plan.resource_changes as { address: string; change: { actions: string[] } }[];
    const planned = changes.map((c) => c.address).sort();
    const synthesized = resourcesFromSynth(doc)
      .map((r) => r.address)
      .sort();
    expect(planned).toEqual(synthesized);
    for (const c of changes) expect(c.change.actions).toEqual(['create']);
    expect(plan.errored).toBe(false);
  }, 180_000);

  test('security rules hold on the plan JSON: what would be applied', () => {
    expect(plan.resource_changes, 'plan test ran first').toBeDefined();
    const resources = resourcesFromPlan(plan);
    expect(resources.length).toBe(resourcesFromSynth(doc).length);
    expect(checkResources(resources)).toEqual([]);
    expect(noSecretMaterial(plan)).toEqual([]);
  });

  test('the plan shows IMDSv2, encryption and private networking with provider defaults filled in', () => {
    const resources = resourcesFromPlan(plan);
    const instances = resources.filter((r) => r.type === 'aws_instance');
    expect(instances).toHaveLength(3);
    for (const i of instances) {
      expect(i.values.metadata_options).toEqual([
        expect.objectContaining({ http_tokens: 'required', http_put_response_hop_limit: 1 }),
      ]);
      expect(i.values.root_block_device).toEqual([
        expect.objectContaining({ encrypted: true, volume_type: 'gp3' }),
      ]);
    }
    const tgs = resources.filter((r) => r.type === 'aws_lb_target_group');
    expect(tgs.map((t) => (t.values.health_check as Json[])[0]?.path).sort()).toEqual([
      '/primary',
      '/replica?lag=16777216',
    ]);
    const outputs = plan.output_changes as Record<string, { after?: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'etcd_client_urls',
      'etcd_tls_secret_arns',
      'node_tls_secret_arns',
      'passwords_secret_arn',
      'primary_endpoint',
      'replica_endpoint',
    ]);
  });
});

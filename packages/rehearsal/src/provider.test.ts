import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { pointStackAtEmulator, serviceOf, servicesOf, unpointedServices } from './provider.js';

const ENDPOINT = 'http://127.0.0.1:45678';

describe('the endpoint of each resource type', () => {
  test.each([
    ['aws_autoscaling_group', 'autoscaling'],
    ['aws_launch_template', 'ec2'],
    ['aws_vpc_security_group_ingress_rule', 'ec2'],
    ['aws_lb_target_group_attachment', 'elbv2'],
    ['aws_lb', 'elbv2'],
    ['aws_iam_instance_profile', 'iam'],
    ['aws_route53_zone', 'route53'],
    ['aws_secretsmanager_secret_version', 'secretsmanager'],
    ['aws_kms_alias', 'kms'],
  ])('%s -> %s', (type, service) => {
    expect(serviceOf(type)).toBe(service);
  });

  test('a type it does not know stops the rehearsal instead of calling AWS', () => {
    expect(() => servicesOf({ resource: { aws_instance: {}, aws_s3_bucket: {} } })).toThrow(
      /no emulator endpoint for aws_s3_bucket/,
    );
    expect(() => servicesOf({ data: { aws_availability_zones: {} } })).toThrow(/aws_availability_zones/);
  });
});

describe('pointStackAtEmulator', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every provider block gets an endpoint for every service, the skip switches and a local state', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgha-provider-'));
    const file = join(dir, 'cdk.tf.json');
    const doc = {
      provider: { aws: [{ region: 'eu-west-1' }, { region: 'us-east-1', alias: 'global' }] },
      resource: { aws_instance: { a: {} }, aws_route53_zone: { z: {} }, aws_lb: { l: {} } },
      terraform: { backend: { s3: { bucket: 'real-state', key: 'k', region: 'eu-west-1' } } },
    };
    expect(unpointedServices(doc, ENDPOINT)).toContain('provider aws[1].endpoints.route53');
    await writeFile(file, JSON.stringify(doc));
    const services = await pointStackAtEmulator(file, ENDPOINT);
    expect(services).toEqual(['ec2', 'elbv2', 'route53', 'sts']);
    const out = JSON.parse(await readFile(file, 'utf8'));
    expect(unpointedServices(out, ENDPOINT)).toEqual([]);
    for (const block of out.provider.aws) {
      expect(block.endpoints).toEqual([{ ec2: ENDPOINT, elbv2: ENDPOINT, route53: ENDPOINT, sts: ENDPOINT }]);
      expect(block).toMatchObject({
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: 'true',
      });
    }
    expect(out.provider.aws[1].alias).toBe('global');
    // The user's backend is never written to: the state is a file beside the stack.
    expect(out.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });
});

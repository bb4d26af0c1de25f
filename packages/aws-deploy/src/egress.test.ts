import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AWS_EXAMPLE,
  freePort,
  isolatedEnv,
  terraformForTests,
  traversableTempDir,
} from '../test/support.js';
import { type AwsConfig, validateAwsConfig } from './config.js';
import { checkAwsNetwork, ec2ClientFor } from './egress.js';
import { isAwsDeployError } from './errors.js';
import { planAws } from './plan.js';

// moto_server (moto 5.2.1) on 127.0.0.1 stands for the EC2 API: dummy credentials, nothing leaves the machine.
const haveMoto = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).status === 0;
if (!haveMoto && process.env.CI)
  throw new Error('CI is set but moto_server is not installed (pip install moto[server]==5.2.1)');
if (!haveMoto) console.warn('SKIPPED: the egress check tests: moto_server is not installed');

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
let moto: ChildProcess | undefined;
let endpoint = '';
let env: Record<string, string>;
let client: EC2Client;
let example: AwsConfig;

async function waitForMoto(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${url}`);
}

beforeAll(async () => {
  if (!haveMoto) return;
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForMoto(endpoint);
  env = {
    ...isolatedEnv('/nonexistent'),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL_EC2: endpoint,
  };
  example = validateAwsConfig(JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')), AWS_EXAMPLE);
  client = ec2ClientFor(example, env);
}, 30_000);

afterAll(() => {
  client?.destroy();
  if (moto?.pid !== undefined) process.kill(moto.pid, 'SIGTERM');
});

interface Network {
  readonly config: AwsConfig;
  readonly tableId: string;
}

/**
 * A VPC with three private subnets sharing one route table; `egress` decides the table's default route, `dns`
 * the VPC's DNS hostnames (moto, like AWS, creates a VPC with DNS support on and hostnames off).
 */
async function network(egress: 'nat' | 'igw' | 'none', dns: boolean): Promise<Network> {
  const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc?.VpcId as string;
  if (dns)
    await client.send(new ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
  const table = (await client.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable
    ?.RouteTableId as string;
  const subnets = [];
  for (const [i, zone] of ZONES.entries()) {
    const subnet = (
      await client.send(
        new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: zone }),
      )
    ).Subnet?.SubnetId as string;
    await client.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: subnet }));
    subnets.push({ subnetId: subnet, availabilityZone: zone });
  }
  if (egress !== 'none') {
    const igw = (await client.send(new CreateInternetGatewayCommand({}))).InternetGateway
      ?.InternetGatewayId as string;
    await client.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    if (egress === 'igw') {
      await client.send(
        new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      );
    } else {
      const publicSubnet = (
        await client.send(
          new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.20.100.0/24', AvailabilityZone: ZONES[0] }),
        )
      ).Subnet?.SubnetId as string;
      const eip = (await client.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId as string;
      const nat = (
        await client.send(new CreateNatGatewayCommand({ SubnetId: publicSubnet, AllocationId: eip }))
      ).NatGateway?.NatGatewayId as string;
      await client.send(
        new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat }),
      );
    }
  }
  return { config: { ...example, vpcId: vpc, subnets }, tableId: table };
}

async function refusal(config: AwsConfig): Promise<{ code: string; message: string; hint: string }> {
  try {
    await checkAwsNetwork(config, client);
  } catch (error) {
    if (!isAwsDeployError(error)) throw error;
    return { code: error.code, message: error.message, hint: error.hint ?? '' };
  }
  throw new Error('the network was accepted');
}

describe.skipIf(!haveMoto)('the network check before apply (moto_server as the EC2 API)', () => {
  test('private subnets routed to a NAT gateway, DNS support and hostnames on: accepted', async () => {
    const { config } = await network('nat', true);
    const facts = await checkAwsNetwork(config, client);
    expect(facts.subnets.map((s) => s.defaultTarget?.slice(0, 4))).toEqual(['nat-', 'nat-', 'nat-']);
    expect([facts.dnsSupport, facts.dnsHostnames]).toEqual([true, true]);
  });

  test('no default route and DNS hostnames off: refused, exit 2, every subnet and the VPC attribute named with the fix', async () => {
    const { config, tableId } = await network('none', false);
    const r = await refusal(config);
    expect(r.code).toBe('CONFIG_INVALID');
    expect(r.message).toContain(`the network of ${config.vpcId} cannot boot the cluster, 4 problems`);
    expect(r.message).toContain(
      `enableDnsHostnames is off; the private zone of the member names resolves only with it: aws ec2 modify-vpc-attribute --vpc-id ${config.vpcId} --enable-dns-hostnames`,
    );
    for (const [i, s] of config.subnets.entries())
      expect(r.message).toContain(
        `subnets[${i}] ${s.subnetId}: ${tableId} has no route to 0.0.0.0/0; without it apt (the Debian archive) and the AWS APIs (secretsmanager, ec2, route53: no interface endpoint with private DNS) are unreachable: add 0.0.0.0/0 -> a NAT gateway`,
      );
    expect(r.hint).toContain('each subnet needs a route to a NAT gateway');
  });

  test('a route to an internet gateway does not count: the instances have no public address', async () => {
    const { config } = await network('igw', true);
    const r = await refusal(config);
    expect(r.message).toContain('3 problems');
    expect(r.message).toMatch(
      /routes 0\.0\.0\.0\/0 to the internet gateway igw-[0-9a-f]+, but the instances have no public address/,
    );
  });

  test('a VPC that does not exist, and a subnet of another zone: named', async () => {
    expect((await refusal({ ...example, vpcId: 'vpc-0123456789abcdef0' })).message).toContain(
      'vpcId: vpc-0123456789abcdef0 does not exist in eu-west-1 for these credentials',
    );
    const { config } = await network('nat', true);
    const swapped = config.subnets.map((s, i) => ({ ...s, availabilityZone: ZONES[(i + 1) % 3] as string }));
    const r = await refusal({ ...config, subnets: swapped });
    expect(r.message).toContain(
      `subnets[0] ${config.subnets[0]?.subnetId}: is in eu-west-1a, not eu-west-1b`,
    );
  });
});

const noTerraform = terraformForTests('the plan-path network check tests');
describe.skipIf(!haveMoto || noTerraform !== undefined)('plan: checked online, never offline', () => {
  let root: string;
  beforeAll(async () => {
    root = await traversableTempDir('pgha-aws-egress-');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const plan = (config: AwsConfig, offline: boolean, state: string) =>
    planAws({ config, stateRoot: join(root, state), env, offline, onTerraformLine: () => {} }, () => {});

  test('online, a network without egress is refused before anything is synthesized', async () => {
    const { config } = await network('none', true);
    const error = await plan(config, false, 'online').catch((e: unknown) => e);
    expect(isAwsDeployError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('has no route to 0.0.0.0/0');
  });

  test('offline, the same config plans without a single call to the EC2 API', async () => {
    const { config } = await network('none', true);
    // The EC2 endpoint of this run counts every request it gets: an offline plan must send none.
    let requests = 0;
    const counter = createHttpServer((_, res) => {
      requests += 1;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    const port = (counter.address() as { port: number }).port;
    try {
      const result = await planAws(
        {
          config,
          stateRoot: join(root, 'offline'),
          env: {
            ...env,
            AWS_ENDPOINT_URL_EC2: `http://127.0.0.1:${port}`,
            AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
          },
          offline: true,
          onTerraformLine: () => {},
        },
        () => {},
      );
      expect(result.offline).toBe(true);
      expect(result.add).toBeGreaterThan(50);
      expect(requests).toBe(0);
    } finally {
      counter.close();
    }
  }, 180_000);
});

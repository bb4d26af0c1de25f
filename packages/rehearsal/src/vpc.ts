import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, type ProcessRecord, startService, writeRecord } from '@pgha/local-cluster';
import { createNetwork, type HostSpec, hostNamespace, readNetworkRecord } from '@pgha/netlab';
import { recordCreated, run } from './created.js';
import { RehearsalError } from './errors.js';
import type { RehearsalLayout } from './layout.js';
import type { LaunchedInstance } from './readback.js';

/** Where the rehearsal's services sit inside the VPC (the addresses AWS reserves in the first subnet). */
export interface VpcPlan {
  /**
   * `pgha-r-<cluster>-vpc`: the namespace that stands for the VPC's own addresses (gateway, resolver, services,
   * IMDS, the admin host, the load balancers), a host of the `@pgha/netlab` network `pgha-r-<cluster>-`.
   */
  readonly namespace: string;
  readonly cidr: string;
  readonly prefix: number;
  /** Base + 1: held by the VPC host, every instance's default gateway. */
  readonly gateway: string;
  /** Base + 2, as in AWS: the resolver. */
  readonly resolver: string;
  /** Base + 3: the emulator (port 5000) and the package repository (port 80). */
  readonly services: string;
  readonly emulatorPort: number;
  /** The admin host verify runs from: an address in the config's admin CIDR. */
  readonly admin: string;
}

const toInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The host part of an IPv4 CIDR plus `offset`. */
export function addressIn(cidr: string, offset: number): string {
  const [base = '', prefix = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(prefix));
  const start = Math.floor(toInt(base) / size) * size;
  return toIp(start + offset);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', prefix = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

/** The `@pgha/netlab` network of a cluster's rehearsal: every namespace it makes starts with this. */
export const vpcNetworkPrefix = (cluster: string) => `pgha-r-${cluster}-`;
/** The network's host that holds the VPC's own addresses (never an instance's name: those are `etcd-N`, `pg-N`). */
const VPC_HOST = 'vpc';
/** The namespace that stands for the VPC of a cluster's rehearsal. */
export const vpcNamespace = (cluster: string) => hostNamespace(vpcNetworkPrefix(cluster), VPC_HOST);
/** Where the network is recorded (`@pgha/netlab`'s record, written before anything is made). */
export const vpcRecordFile = (workDir: string) => join(workDir, 'network.json');

/**
 * The VPC's addresses: the gateway, resolver and services at the first subnet's reserved addresses (AWS
 * never gives them to an instance), the admin host at the tenth address of the config's first admin CIDR
 * inside the VPC (else the last usable address of the VPC).
 */
export function vpcPlan(options: {
  readonly cluster: string;
  readonly vpcCidr: string;
  readonly adminCidrs: readonly string[];
  readonly instances: readonly LaunchedInstance[];
}): VpcPlan {
  const prefix = Number(options.vpcCidr.split('/')[1]);
  const adminCidr = options.adminCidrs.find((c) => inCidr(addressIn(c, 10), options.vpcCidr));
  const admin =
    adminCidr === undefined
      ? addressIn(options.vpcCidr, 2 ** (32 - prefix) - 2)
      : addressIn(adminCidr, Math.min(10, 2 ** (32 - Number(adminCidr.split('/')[1])) - 2));
  const plan: VpcPlan = {
    namespace: vpcNamespace(options.cluster),
    cidr: options.vpcCidr,
    prefix,
    gateway: addressIn(options.vpcCidr, 1),
    resolver: addressIn(options.vpcCidr, 2),
    services: addressIn(options.vpcCidr, 3),
    emulatorPort: 5000,
    admin,
  };
  const taken = new Set([plan.gateway, plan.resolver, plan.services, plan.admin]);
  const named = options.instances.find((i) => i.name === VPC_HOST);
  if (named !== undefined)
    throw new Error(`an instance named "${VPC_HOST}": the rehearsal's VPC host has that name`);
  const clash = options.instances.find((i) => taken.has(i.privateIp));
  if (clash !== undefined) {
    throw new Error(
      `the emulator gave ${clash.name} ${clash.privateIp}, an address the rehearsal's VPC services use`,
    );
  }
  return plan;
}

/** A network namespace name of this rehearsal's: `pgha-r-<cluster>-<instance>`. */
export const instanceNamespace = (cluster: string, name: string) =>
  hostNamespace(vpcNetworkPrefix(cluster), name);

/**
 * The VPC, made with `@pgha/netlab` (the local target's partition drills use the same): a network
 * `pgha-r-<cluster>-` on one switch with no uplink, whose host `vpc` holds the admin host's address (on the
 * VPC's CIDR: what verify and the NLB stand-in send leaves from it, the address the security groups and pg_hba
 * let in) and, as /32s, the gateway, the resolver, the services, IMDS (169.254.169.254) and the load balancers.
 * No route leaves the machine and nothing links it to the host's namespace. `/etc/netns/<vpc>/resolv.conf`
 * names the rehearsal's resolver, so what runs there under `ip netns exec` (the NLB stand-in, verify) asks it
 * and never the host's resolver. Recorded before it is made.
 */
export async function createVpc(
  workDir: string,
  plan: VpcPlan,
  cluster: string,
  extraAddresses: readonly string[],
) {
  const ns = plan.namespace;
  if (existsSync(`/run/netns/${ns}`)) {
    throw new RehearsalError('STATE_CONFLICT', `network namespace ${ns} exists already`, {
      hint: `another rehearsal of this cluster runs (or was left): destroy that rehearsal, or ip netns delete ${ns} if it is a leftover`,
    });
  }
  const recordFile = vpcRecordFile(workDir);
  await recordCreated(workDir, { kind: 'network', recordFile, namespace: ns });
  await mkdir(`/etc/netns/${ns}`, { recursive: true });
  await writeFile(`/etc/netns/${ns}/resolv.conf`, `nameserver ${plan.resolver}\noptions timeout:2\n`);
  const vpc: HostSpec = {
    name: VPC_HOST,
    address: plan.admin,
    extraAddresses: [plan.gateway, plan.resolver, plan.services, '169.254.169.254', ...extraAddresses],
  };
  await createNetwork({
    prefix: vpcNetworkPrefix(cluster),
    cidr: plan.cidr,
    hosts: [vpc],
    gateway: plan.gateway,
    recordFile,
  });
}

/**
 * Instances' networks: each a host of the VPC's network (its own namespace, a link to the switch, the private
 * IP the emulator gave it, on-link for the whole VPC CIDR, its default route via the gateway). Returns each
 * one's namespace and MAC, in order.
 */
export async function attachInstances(
  workDir: string,
  plan: VpcPlan,
  cluster: string,
  instances: readonly LaunchedInstance[],
): Promise<{ namespace: string; mac: string }[]> {
  const recordFile = vpcRecordFile(workDir);
  const vpc = (await readNetworkRecord(recordFile))?.hosts.find((h) => h.name === VPC_HOST);
  if (vpc === undefined) throw new Error(`${recordFile} records no VPC host: the VPC was not made`);
  const network = await createNetwork({
    prefix: vpcNetworkPrefix(cluster),
    cidr: plan.cidr,
    hosts: [
      { name: vpc.name, address: vpc.address, extraAddresses: vpc.extraAddresses ?? [] },
      ...instances.map((i) => ({ name: i.name, address: i.privateIp })),
    ],
    gateway: plan.gateway,
    recordFile,
  });
  const out = [];
  for (const instance of instances) {
    const namespace = network.namespaceOf(instance.name);
    const link = JSON.parse(await run('ip', ['-n', namespace, '-j', 'link', 'show', 'eth0'])) as {
      address: string;
    }[];
    out.push({ namespace, mac: link[0]?.address ?? '' });
  }
  return out;
}

/** What vpc-services.mjs is given (see there). */
export interface VpcServicesConfig {
  readonly socketPath: string;
  /** The emulator's port on the host's 127.0.0.1 (the bridge's upstream). */
  readonly upstreamPort: number;
  readonly emulatorPort: number;
  readonly emulatorAddress: string;
  readonly resolverAddress: string;
  readonly mirrorAddress: string;
  readonly repoDir: string;
  readonly region: string;
  readonly accountId: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly loadBalancers: readonly { readonly dnsName: string; readonly address: string }[];
  readonly instances: readonly (Pick<
    LaunchedInstance,
    | 'name'
    | 'instanceId'
    | 'privateIp'
    | 'availabilityZone'
    | 'subnetId'
    | 'imageId'
    | 'instanceType'
    | 'userDataFile'
  > & {
    readonly mac: string;
    readonly instanceProfileArn?: string;
    readonly roleName?: string;
  })[];
}

/** vpc-services.mjs, beside this module in src/ (dist/ holds no copy: it is found in src/ from both). */
export const VPC_SERVICES_SCRIPT = fileURLToPath(new URL('../src/vpc-services.mjs', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until the log shows `count` "listening" lines; a process that dies first is an error naming its log. */
async function waitListening(record: ProcessRecord, logFile: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    if ((text.match(/: listening$/gm) ?? []).length >= count) return;
    if (!(await isAlive(record))) break;
    await sleep(100);
  }
  const text = await readFile(logFile, 'utf8').catch(() => '');
  throw new RehearsalError(
    'PROCESS_DIED',
    `${record.name} did not start: ${text.trim().split('\n').slice(-5).join(' | ')}`,
    { hint: `its log is ${logFile}` },
  );
}

/**
 * Start the two service processes: the bridge in the host's namespace (the emulator on a unix socket in
 * the work dir), then the VPC's services inside the namespace. Each is recorded in the run dir as it starts.
 */
export async function startVpcServices(
  layout: RehearsalLayout,
  plan: VpcPlan,
  config: VpcServicesConfig,
  nodeBin: string,
): Promise<ProcessRecord[]> {
  const configFile = join(layout.workDir, 'vpc-services.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const start = async (name: string, command: string, args: string[], listeners: number) => {
    const logFile = join(layout.logDir, `${name}.log`);
    const record = await startService({
      name,
      command,
      args,
      logFile,
      cwd: layout.workDir,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    await writeRecord(join(layout.runDir, `${name}.json`), record);
    await waitListening(record, logFile, listeners);
    return record;
  };
  const started = [await start('emulator-bridge', nodeBin, [VPC_SERVICES_SCRIPT, 'bridge', configFile], 1)];
  // emulator, IMDS, DNS over UDP and TCP, package repository
  started.push(
    await start(
      'vpc-services',
      'ip',
      ['netns', 'exec', plan.namespace, nodeBin, VPC_SERVICES_SCRIPT, 'vpc', configFile],
      5,
    ),
  );
  return started;
}

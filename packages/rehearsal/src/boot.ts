import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import type { AwsConfig } from '@pgha/aws-deploy';
import { step } from '@pgha/clients';
import { isAlive, type ProcessRecord, startService, writeRecord } from '@pgha/local-cluster';
import { type EmulatorClients, emulatorQuery, xmlOne } from './aws-api.js';
import { processesRootedIn, run } from './created.js';
import type { RehearsalEventListener as Emit } from './events.js';
import { bootInstance, dataVolumeId, prepareRoot, volumeDevice } from './instance.js';
import type { RehearsalLayout } from './layout.js';
import { haproxyConfig, type LoadBalancerView, readLoadBalancers } from './nlb.js';
import type { LaunchedInstance } from './readback.js';
import type { CachedRootfs } from './rootfs.js';
import {
  addressIn,
  attachInstances,
  createVpc,
  startVpcServices,
  type VpcPlan,
  type VpcServicesConfig,
  vpcPlan,
} from './vpc.js';

/** One booted instance: where it runs and what it was given. */
export interface BootedInstance {
  readonly name: string;
  readonly instanceId: string;
  readonly privateIp: string;
  readonly namespace: string;
  readonly root: string;
  readonly nspawnPid: number;
  readonly volume?: { readonly id: string; readonly device: string; readonly backingFile: string };
}

export interface VpcResult {
  readonly plan: VpcPlan;
  readonly loadBalancers: readonly {
    readonly name: string;
    readonly dnsName: string;
    readonly address: string;
    readonly ports: readonly number[];
  }[];
  readonly instances: readonly BootedInstance[];
  readonly haproxyPid: number;
}

const ACCOUNT_ID = '123456789012';

/** The role name behind an instance profile ARN (IAM GetInstanceProfile in the emulator). */
export async function roleName(endpoint: string, region: string, profileArn: string | undefined) {
  if (profileArn === undefined) return undefined;
  const name = profileArn.split('/').pop() ?? '';
  const xml = await emulatorQuery(
    endpoint,
    'iam',
    region,
    `/?Action=GetInstanceProfile&InstanceProfileName=${encodeURIComponent(name)}&Version=2010-05-08`,
  );
  return xmlOne(xml, 'RoleName');
}

/** What booting the VPC needs: the emulator, what it launched, the config, the root filesystem. */
export interface BootVpcOptions {
  readonly layout: RehearsalLayout;
  readonly config: AwsConfig;
  readonly endpoint: string;
  readonly clients: EmulatorClients;
  readonly instances: readonly LaunchedInstance[];
  readonly vpcId: string;
  readonly rootfs: CachedRootfs;
  readonly emit: Emit;
}

/**
 * Stage 2: the VPC namespace and its services, one container per launched instance booted from its
 * user-data, and the NLB stand-in. Everything is recorded (created.jsonl, the run dir) before it is made.
 */
export async function bootVpc(options: BootVpcOptions): Promise<VpcResult> {
  const { layout, config, endpoint, emit } = options;
  const adminCidrs = config.adminAccess?.cidrs ?? [];
  const plan = vpcPlan({
    cluster: config.clusterName,
    vpcCidr: config.vpcCidr,
    adminCidrs,
    instances: options.instances,
  });
  const lbViews = await readLoadBalancers(endpoint, config.region);
  const firstSubnet = addressIn(config.vpcCidr, 0);
  const used = new Set(options.instances.map((i) => i.privateIp));
  const lbs: { view: LoadBalancerView; address: string }[] = [];
  for (const [n, view] of lbViews.entries()) {
    // The load balancer's address: high in the first /24 of the VPC, never an instance's.
    let offset = 250 - n;
    while (used.has(addressIn(`${firstSubnet}/24`, offset))) offset -= 1;
    const address = addressIn(`${firstSubnet}/24`, offset);
    used.add(address);
    lbs.push({ view, address });
  }

  await step(
    emit,
    'vpc',
    `network namespace ${plan.namespace}: ${plan.cidr} on a switch of its own, no route off the machine`,
    () =>
      createVpc(
        layout.workDir,
        plan,
        config.clusterName,
        lbs.map((l) => l.address),
      ),
    () =>
      `gateway ${plan.gateway}, resolver ${plan.resolver}, services ${plan.services}, admin ${plan.admin}`,
  );
  const attached = await step(
    emit,
    'attach',
    `attach ${options.instances.length} instances to the VPC's switch at their private IPs`,
    () => attachInstances(layout.workDir, plan, config.clusterName, options.instances),
  );
  const roles = await Promise.all(
    options.instances.map((i) => roleName(endpoint, config.region, i.iamInstanceProfileArn)),
  );
  await step(
    emit,
    'services',
    'start IMDSv2, the resolver, the package repository and the emulator inside the VPC',
    () =>
      startVpcServices(
        layout,
        plan,
        {
          socketPath: join(layout.workDir, 'emulator.sock'),
          upstreamPort: Number(new URL(endpoint).port),
          emulatorPort: plan.emulatorPort,
          emulatorAddress: plan.services,
          resolverAddress: plan.resolver,
          mirrorAddress: plan.services,
          repoDir: options.rootfs.repo,
          region: config.region,
          accountId: ACCOUNT_ID,
          vpcId: options.vpcId,
          vpcCidr: config.vpcCidr,
          loadBalancers: lbs.map((l) => ({ dnsName: l.view.dnsName, address: l.address })),
          instances: options.instances.map((i, n) => imdsEntry(i, attached[n]?.mac ?? '', roles[n])),
        },
        process.execPath,
      ),
    (records) => records.map((r) => `${r.name} PID ${r.pid}`).join(', '),
  );

  const booted: BootedInstance[] = [];
  for (const [n, inst] of options.instances.entries()) {
    const b = await step(
      emit,
      `boot-${inst.name}`,
      `boot ${inst.name} (${inst.privateIp})`,
      async () =>
        (
          await bootOne({
            layout,
            clients: options.clients,
            instance: inst,
            plan,
            region: config.region,
            rootfs: options.rootfs.rootfs,
            namespace: attached[n]?.namespace ?? '',
          })
        ).booted,
      (b) => `nspawn PID ${b.nspawnPid}${b.volume ? `, ${b.volume.id} on ${b.volume.device}` : ''}`,
    );
    booted.push(b);
  }

  const ipOf = (id: string) => options.instances.find((i) => i.instanceId === id)?.privateIp;
  const haproxy = await step(
    emit,
    'nlb',
    `the NLB stand-in: HAProxy in the VPC from ${lbs.length} load balancer(s) of the emulator`,
    async () => {
      const file = join(layout.workDir, 'nlb-haproxy.cfg');
      await writeFile(file, haproxyConfig(lbs, ipOf));
      await run('haproxy', ['-c', '-q', '-f', file]);
      const record = await startService({
        name: 'nlb-haproxy',
        command: 'ip',
        args: ['netns', 'exec', plan.namespace, 'haproxy', '-db', '-f', file],
        logFile: join(layout.logDir, 'nlb-haproxy.log'),
        cwd: layout.workDir,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
      await writeRecord(join(layout.runDir, 'nlb-haproxy.json'), record);
      return record;
    },
    (r) =>
      `PID ${r.pid}; ${lbs.map((l) => `${l.view.dnsName} -> ${l.address}:${l.view.listeners.map((x) => x.port).join(',')}`).join('; ')}`,
  );
  return {
    plan,
    loadBalancers: lbs.map((l) => ({
      name: l.view.name,
      dnsName: l.view.dnsName,
      address: l.address,
      ports: l.view.listeners.map((x) => x.port),
    })),
    instances: booted,
    haproxyPid: haproxy.pid,
  };
}

/** What the VPC's IMDS serves of one instance (its entry in the services' config file). */
export function imdsEntry(
  instance: LaunchedInstance,
  mac: string,
  role: string | undefined,
): VpcServicesConfig['instances'][number] {
  const i = instance;
  return {
    name: i.name,
    instanceId: i.instanceId,
    privateIp: i.privateIp,
    availabilityZone: i.availabilityZone,
    subnetId: i.subnetId,
    imageId: i.imageId,
    instanceType: i.instanceType,
    mac,
    userDataFile: i.userDataFile,
    ...(i.iamInstanceProfileArn === undefined ? {} : { instanceProfileArn: i.iamInstanceProfileArn }),
    ...(role === undefined ? {} : { roleName: role }),
  };
}

/**
 * Boot one launched instance, as stage 2 does for every instance and stage 4 for an etcd member's
 * replacement: the data volume its user-data names (the emulator's size; one loop device per volume id, so a
 * replacement gets the same data), its overlay root with what EC2 and the AMI give it, its container in the
 * network namespace it was attached to.
 */
export async function bootOne(options: {
  readonly layout: RehearsalLayout;
  readonly clients: EmulatorClients;
  readonly instance: LaunchedInstance;
  readonly plan: VpcPlan;
  readonly region: string;
  /** The root filesystem's directory (the cache's). */
  readonly rootfs: string;
  readonly namespace: string;
}): Promise<{ booted: BootedInstance; record: ProcessRecord }> {
  const { layout, instance: inst } = options;
  const volumeId = dataVolumeId(await readFile(inst.userDataFile, 'utf8'));
  let volume: BootedInstance['volume'];
  if (volumeId !== undefined) {
    const described = await options.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    const v = await volumeDevice(layout, volumeId, described.Volumes?.[0]?.Size ?? 1);
    volume = { id: volumeId, ...v };
  }
  const root = await prepareRoot(layout, options.rootfs, inst, options.plan, options.region);
  const record = await bootInstance(layout, inst, root, options.namespace, volume);
  return {
    booted: {
      name: inst.name,
      instanceId: inst.instanceId,
      privateIp: inst.privateIp,
      namespace: options.namespace,
      root,
      nspawnPid: record.pid,
      ...(volume === undefined ? {} : { volume }),
    },
    record,
  };
}

/** The container's PID 1 (seen from the host): the process rooted in `root` whose innermost PID is 1. */
export async function containerInit(root: string): Promise<number | undefined> {
  for (const pid of await processesRootedIn(root)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (nspid !== undefined && nspid[nspid.length - 1] === '1') return pid;
  }
  return undefined;
}

/**
 * End an instance the way EC2 terminates one: SIGKILL to its container's PID 1, which ends every process of
 * its PID namespace at once; resolves when nothing rooted in `root` runs any more (15 s at most).
 */
export async function terminateContainer(root: string, name: string): Promise<void> {
  const init = await containerInit(root);
  if (init === undefined) throw new Error(`${name}'s container is not running`);
  process.kill(init, 'SIGKILL');
  const deadline = Date.now() + 15_000;
  while ((await processesRootedIn(root)).length > 0) {
    if (Date.now() > deadline)
      throw new Error(`${name}'s processes still run 15 s after its init was killed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A command inside the container (all its namespaces), its stdout; undefined when it cannot run. */
export async function inContainer(root: string, args: readonly string[]): Promise<string | undefined> {
  const pid = await containerInit(root);
  if (pid === undefined) return undefined;
  return run('nsenter', ['-t', String(pid), '-m', '-u', '-i', '-n', '-p', '--', ...args]).catch(
    () => undefined,
  );
}

/** Where an instance's boot is: pgha-boot's unit state inside the container (`active` when it finished). */
export async function bootState(root: string, record?: ProcessRecord): Promise<string> {
  if (record !== undefined && !(await isAlive(record))) return 'container exited';
  const state = await inContainer(root, [
    'systemctl',
    'show',
    '-p',
    'ActiveState,SubState,NRestarts',
    'pgha-boot.service',
  ]);
  if (state === undefined) return 'starting';
  const f = Object.fromEntries(
    state
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  return `${f.ActiveState}/${f.SubState}${f.NRestarts && f.NRestarts !== '0' ? ` (${f.NRestarts} restarts)` : ''}`;
}

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsConfig } from '@pgha/aws-deploy';
import { step } from '@pgha/clients';
import { layoutFor } from '@pgha/local-cluster';
import type { EmulatorClients } from './aws-api.js';
import { bootOne, bootState, imdsEntry, roleName, terminateContainer } from './boot.js';
import { type VerifyOutcome, verifyUntilGreen } from './boot-stage.js';
import { RehearsalError } from './errors.js';
import type { RehearsalEventListener as Emit } from './events.js';
import { dataVolumeId, instanceDirs } from './instance.js';
import type { RehearsalLayout } from './layout.js';
import type { BootPrerequisites } from './prereqs.js';
import { type LaunchedInstance, type LaunchedInstances, readLaunched } from './readback.js';
import { ensureRootfs, rehearsalPackages } from './rootfs.js';
import { type BootEvent, bootTimeline } from './timeline.js';
import { attachInstances, type VpcServicesConfig, vpcPlan } from './vpc.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What replacing an etcd member's instance showed. */
export interface EtcdReplacement {
  readonly member: string;
  readonly terminated: { readonly instanceId: string; readonly privateIp: string };
  readonly replacement: { readonly instanceId: string; readonly privateIp: string; readonly local: string };
  /** Seconds from the termination: the Auto Scaling group's replacement seen, its boot done, verify green. */
  readonly launchedAfterSeconds: number;
  readonly bootedAfterSeconds: number;
  readonly greenAfterSeconds: number;
  /** The replacement's boot found the volume's filesystem (no "formatting ... (empty volume ...)"). */
  readonly reusedVolume: boolean;
  readonly volumeId: string;
  readonly timeline: readonly BootEvent[];
  readonly verify: VerifyOutcome;
}

/**
 * Stage 4, first part: terminate one etcd member's instance the way EC2 does (its container's PID 1 killed,
 * then TerminateInstances in the emulator, which detaches the data volume), let its Auto Scaling group launch
 * the replacement (the emulator does), boot that as a new container beside the others (its own root, network
 * namespace and veth; IMDS learns it from the services' config file; the same volume's loop device under its
 * NVMe name), and wait until verify is green again: the replacement must reattach the volume, keep the
 * member's data (no new member, no format) and rejoin under its DNS name at its new address.
 */
export async function replaceEtcdInstance(options: {
  readonly layout: RehearsalLayout;
  readonly config: AwsConfig;
  readonly clients: EmulatorClients;
  /** The emulator's endpoint (IAM has no client in {@link EmulatorClients}: the replacement's role). */
  readonly endpoint: string;
  readonly instances: readonly LaunchedInstance[];
  readonly prerequisites: BootPrerequisites;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly member: string;
  readonly emit: Emit;
}): Promise<EtcdReplacement> {
  const { layout, config, emit } = options;
  const old = options.instances.find((i) => i.name === options.member && i.role === 'etcd');
  if (old === undefined) throw new Error(`no etcd instance named ${options.member} in the rehearsal`);
  const plan = vpcPlan({
    cluster: config.clusterName,
    vpcCidr: config.vpcCidr,
    adminCidrs: config.adminAccess?.cidrs ?? [],
    instances: options.instances,
  });
  const oldRoot = instanceDirs(layout, old.name).root;
  const started = Date.now();
  const since = () => Math.round((Date.now() - started) / 100) / 10;

  await step(
    emit,
    'etcd-terminate',
    `terminate ${old.name}'s instance ${old.instanceId} (${old.privateIp})`,
    async () => {
      await terminateContainer(oldRoot, old.name);
      await options.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [old.instanceId] }));
    },
  );

  // The group's replacement: same name, another id. Read back like stage 1 does (its user-data to a file).
  const replacementDir = join(layout.workDir, 'replacements');
  const fresh = await step(
    emit,
    'etcd-replacement',
    `wait for ${old.autoScalingGroup ?? 'the Auto Scaling group'} to launch ${old.name}'s replacement`,
    async () => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const now = await readLaunched(options.clients, {
          cluster: config.clusterName,
          instancesDir: replacementDir,
        });
        const found = now.find((i) => i.name === old.name && i.instanceId !== old.instanceId);
        if (found) return found;
        await sleep(1000);
      }
      throw new RehearsalError(
        'PROCESS_DIED',
        `no replacement for ${old.name} within 120 s of its termination`,
        {
          hint: `the emulator's Auto Scaling group ${old.autoScalingGroup ?? '?'} did not launch one; its log is in ${layout.logDir}`,
        },
      );
    },
    (i) => `${i.instanceId} at ${i.privateIp}`,
  );
  const launchedAfterSeconds = since();
  if (
    plan.gateway === fresh.privateIp ||
    plan.resolver === fresh.privateIp ||
    plan.services === fresh.privateIp
  ) {
    throw new Error(`the emulator gave the replacement ${fresh.privateIp}, an address the VPC services use`);
  }

  // Local names of its own (root, namespace, records): the old container's are still there until --destroy.
  const k = options.instances.length + 1;
  const local = `${old.name}-r${k}`;
  const localInstance: LaunchedInstance = { ...fresh, name: local };
  const userData = await readFile(fresh.userDataFile, 'utf8');
  const volumeId = dataVolumeId(userData);
  if (volumeId === undefined) throw new Error(`${old.name}'s user-data names no data volume`);

  const booted = await step(
    emit,
    'etcd-boot-replacement',
    `boot the replacement ${fresh.instanceId} (${fresh.privateIp}) with ${volumeId}`,
    async () => {
      const [attached] = await attachInstances(layout.workDir, plan, config.clusterName, [localInstance]);
      if (attached === undefined) throw new Error(`${local} was not attached to the VPC`);
      // IMDS learns the new instance from the services' config (it reads the file again for an unknown
      // address): the replacement's own launch as the emulator holds it, its role looked up as stage 2 does.
      const servicesFile = join(layout.workDir, 'vpc-services.json');
      const services = JSON.parse(await readFile(servicesFile, 'utf8')) as VpcServicesConfig;
      const role = await roleName(options.endpoint, config.region, fresh.iamInstanceProfileArn);
      await writeFile(
        servicesFile,
        `${JSON.stringify(
          { ...services, instances: [...services.instances, imdsEntry(fresh, attached.mac, role)] },
          null,
          2,
        )}\n`,
        { mode: 0o600 },
      );
      // The root filesystem stage 2 booted from: its cache key is every instance's packages together.
      const packages = await rehearsalPackages(options.instances);
      const rootfs = await ensureRootfs({
        cacheDir: options.prerequisites.cacheDir,
        packages: [...packages],
        mmdebstrap: options.prerequisites.mmdebstrap,
        env: options.env,
        onLine: (line) => emit({ type: 'progress', step: 'rootfs', message: line }),
      });
      const { booted, record } = await bootOne({
        layout,
        clients: options.clients,
        instance: localInstance,
        plan,
        region: config.region,
        rootfs: rootfs.rootfs,
        namespace: attached.namespace,
      });
      return { root: booted.root, record, containerStarted: Date.now() };
    },
    (b) => `nspawn PID ${b.record.pid}`,
  );

  const bootedAfterSeconds = await step(
    emit,
    'etcd-replacement-boot',
    `wait for ${local}'s pgha-boot`,
    async () => {
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline) {
        const state = await bootState(booted.root, booted.record);
        if (state.startsWith('active/')) return since();
        if (state === 'container exited') throw new Error(`${local}'s container exited during its boot`);
        await sleep(2000);
      }
      throw new RehearsalError('PROCESS_DIED', `${local}'s boot did not finish within 600 s`, {
        hint: `its console: ${join(layout.logDir, `instance-${local}.console.log`)}; its journal: inside ${booted.root}`,
      });
    },
  );

  const stateLayout = layoutFor({ cluster: config.clusterName, stateRoot: layout.stateRoot, asRoot: false });
  const verify = await verifyUntilGreen(plan.namespace, stateLayout.manifestFile, 300, emit, options.env);
  const greenAfterSeconds = since();
  const timeline = await bootTimeline(booted.root, booted.containerStarted);
  // Keep the launched list current: --destroy and later stages see the replacement under its own name.
  const launched = JSON.parse(await readFile(layout.launchedFile, 'utf8')) as LaunchedInstances;
  await writeFile(
    layout.launchedFile,
    `${JSON.stringify({ ...launched, instances: [...launched.instances.filter((i) => i.instanceId !== old.instanceId), fresh] }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return {
    member: old.name,
    terminated: { instanceId: old.instanceId, privateIp: old.privateIp },
    replacement: { instanceId: fresh.instanceId, privateIp: fresh.privateIp, local },
    launchedAfterSeconds,
    bootedAfterSeconds,
    greenAfterSeconds,
    reusedVolume: !timeline.some((e) => e.what.includes('(empty volume')),
    volumeId,
    timeline,
    verify,
  };
}

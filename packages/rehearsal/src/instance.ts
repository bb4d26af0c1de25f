import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ProcessRecord, startService, writeRecord } from '@pgha/local-cluster';
import { loopsOf, recordCreated, run } from './created.js';
import type { RehearsalLayout } from './layout.js';
import type { LaunchedInstance } from './readback.js';
import type { VpcPlan } from './vpc.js';

/** Where one instance's container lives: `<work>/instances/<name>/{upper,work,root}`. */
export function instanceDirs(layout: RehearsalLayout, name: string) {
  const dir = join(layout.instancesDir, name);
  return { dir, upper: join(dir, 'upper'), work: join(dir, 'overlay-work'), root: join(dir, 'root') };
}

/** The data volume id the boot script attaches (`VOLUME_ID='vol-...'` in the user-data). */
export function dataVolumeId(userData: string): string | undefined {
  return /^ {4}VOLUME_ID='(vol-[0-9a-f]+)'$/m.exec(userData)?.[1];
}

/** The NVMe by-id name a Nitro instance gives an EBS volume (what the boot script waits for). */
export const nvmeById = (volumeId: string) =>
  `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}`;

/**
 * The EBS volume as a loop device over a sparse file `<work>/volumes/<vol>.img` of the volume's size: one
 * file per volume id, so a replacement instance gets the same data. Recorded before it is attached.
 */
export async function volumeDevice(layout: RehearsalLayout, volumeId: string, sizeGiB: number) {
  const dir = join(layout.workDir, 'volumes');
  await mkdir(dir, { recursive: true });
  const backingFile = join(dir, `pgha-r-${volumeId}.img`);
  const existing = await loopsOf(backingFile);
  if (existing[0] !== undefined) return { backingFile, device: existing[0] };
  await run('truncate', ['-s', `${sizeGiB}G`, backingFile]);
  await recordCreated(layout.workDir, { kind: 'loop', backingFile });
  const device = (await run('losetup', ['--find', '--show', backingFile])).trim();
  return { backingFile, device };
}

/**
 * What EC2 and the AMI give an instance besides IMDS, written into the instance's upper layer: its hostname,
 * the VPC resolver, apt sources naming the VPC's package repository, the AWS CLI's endpoint (the emulator,
 * for every service and shell), a persistent journal for the timeline, and cloud-init's seed: the
 * user-data the emulator holds, given to cloud-init's NoCloud datasource. cloud-init's EC2 datasource only
 * speaks IMDSv2 on a platform it identifies as AWS (/sys/hypervisor/uuid or DMI, neither of which a
 * container has) and falls back to token-less IMDSv1, which the rehearsal's IMDS refuses as EC2 does with
 * tokens required; the boot script and the AWS CLI do use IMDSv2 at 169.254.169.254.
 */
export function instanceFiles(instance: LaunchedInstance, userData: string, plan: VpcPlan, region: string) {
  const host = `ip-${instance.privateIp.replaceAll('.', '-')}`;
  const endpoint = `http://${plan.services}:${plan.emulatorPort}`;
  return {
    '/etc/hostname': `${host}\n`,
    '/etc/hosts': `127.0.0.1 localhost\n${instance.privateIp} ${host}.${region}.compute.internal ${host}\n`,
    '/etc/resolv.conf': `nameserver ${plan.resolver}\nsearch ${region}.compute.internal\noptions timeout:2\n`,
    '/etc/apt/sources.list': `# pgha rehearsal: the VPC's package repository (filled from Debian's archive by the host)\ndeb [trusted=yes] http://${plan.services}/debian ./\n`,
    '/etc/systemd/system.conf.d/pgha-rehearsal.conf': `[Manager]\nDefaultEnvironment=AWS_ENDPOINT_URL=${endpoint}\n`,
    '/etc/environment': `AWS_ENDPOINT_URL=${endpoint}\n`,
    '/root/.aws/config': `[default]\nendpoint_url = ${endpoint}\n`,
    '/etc/cloud/cloud.cfg.d/90-pgha-rehearsal.cfg':
      '# pgha rehearsal: the user-data from the seed below; the network is configured from outside\ndatasource_list: [ NoCloud, None ]\nnetwork:\n  config: disabled\n',
    '/var/lib/cloud/seed/nocloud/meta-data': `instance-id: ${instance.instanceId}\nlocal-hostname: ${host}\n`,
    '/var/lib/cloud/seed/nocloud/user-data': userData,
    '/var/log/journal/.pgha-rehearsal': '',
  } as const;
}

/** Mount the instance's overlay (recorded first) and write its files into it. */
export async function prepareRoot(
  layout: RehearsalLayout,
  rootfs: string,
  instance: LaunchedInstance,
  plan: VpcPlan,
  region: string,
): Promise<string> {
  const d = instanceDirs(layout, instance.name);
  await Promise.all([d.upper, d.work, d.root].map((p) => mkdir(p, { recursive: true })));
  await recordCreated(layout.workDir, { kind: 'mount', target: d.root });
  await run('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${rootfs},upperdir=${d.upper},workdir=${d.work}`,
    d.root,
  ]);
  const userData = await readFile(instance.userDataFile, 'utf8');
  for (const [path, text] of Object.entries(instanceFiles(instance, userData, plan, region))) {
    const target = join(d.root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text, {
      mode: path.startsWith('/root/') || path.includes('/seed/') ? 0o600 : 0o644,
    });
  }
  return d.root;
}

/**
 * Boot the instance: `systemd-nspawn --boot` (systemd as PID 1, real cloud-init) on its overlay root, in its
 * network namespace, the data volume's loop device bound in under its NVMe by-id name (and its own name, so
 * blkid finds it by UUID). `--register=no --keep-unit`: the host runs no systemd. Detached, recorded.
 */
export async function bootInstance(
  layout: RehearsalLayout,
  instance: LaunchedInstance,
  root: string,
  namespace: string,
  volume: { readonly id: string; readonly device: string } | undefined,
): Promise<ProcessRecord> {
  const logFile = join(layout.logDir, `instance-${instance.name}.console.log`);
  const record = await startService({
    name: `instance-${instance.name}`,
    command: 'systemd-nspawn',
    args: [
      '--quiet',
      '--register=no',
      '--keep-unit',
      '--boot',
      `--directory=${root}`,
      `--machine=pgha-r-${instance.name}`,
      `--network-namespace-path=/run/netns/${namespace}`,
      '--resolv-conf=off',
      '--timezone=off',
      '--link-journal=no',
      '--console=read-only',
      ...(volume === undefined
        ? []
        : [`--bind=${volume.device}`, `--bind=${volume.device}:${nvmeById(volume.id)}`]),
    ],
    logFile,
    cwd: layout.workDir,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SYSTEMD_LOG_LEVEL: 'warning' },
  });
  await writeRecord(join(layout.runDir, `instance-${instance.name}.json`), record);
  return record;
}

import { chmod, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  DeployedDrillCluster,
  DrillClusterSpec,
  DrillSignal,
  DrillTarget,
  NodeProcess,
} from '@pgha/drills';
import type { Network } from '@pgha/netlab';
import { type DeployLocalOptions, deployLocal } from './deploy.js';
import { destroyLocal } from './destroy.js';
import type { LocalClusterEventListener } from './events.js';
import { etcdLayout, type Layout, layoutFor, patroniLayout } from './layout.js';
import { networkFaultsOf, openClusterNetwork } from './netns.js';
import { addressPlan, DEFAULTS, type LocalOptions, type NetworkMode } from './options.js';
import type { InstallOptions } from './preflight.js';
import {
  isAlive,
  type ProcessRecord,
  postmasterRecord,
  procStat,
  readRecord,
  sendSignal,
} from './process.js';
import { LOCAL_HEALTH_CHECK } from './render.js';
import { secretFile } from './secrets.js';
import { componentStatus } from './state.js';
import { patroniThreadDump } from './thread-dump.js';

export interface LocalDrillTargetOptions extends InstallOptions {
  /** First two octets of the throwaway cluster's loopback plan; never the developer's 127.0. */
  readonly addressBase: string;
  /** Where the throwaway state and node data go. @default - a new temp dir per drill, removed at the end */
  readonly workDir?: string | undefined;
  /** Whether this process runs as root (see deployLocal). @default - whether this process's uid is 0 */
  readonly asRoot?: boolean | undefined;
  /** Install missing or refused components the component policy's way when root. @default true */
  readonly install?: boolean | undefined;
  /** Drill a component set the policy refuses (to measure it), with a warning. @default false */
  readonly allowUnsafeComponents?: boolean | undefined;
  /** Warnings of the inner deploys (the drill reports its own steps). @default - dropped */
  readonly onWarning?: LocalClusterEventListener | undefined;
  /**
   * `netns`: every node its own host (netns.ts), with link faults; the drill must run in the drill
   * cluster's admin host (prepareDrillNetwork). @default 'loopback'
   */
  readonly network?: NetworkMode | undefined;
}

interface Deployed {
  readonly layout: Layout;
  readonly options: LocalOptions;
  readonly request: DeployLocalOptions;
  /** The temp dir this target made (removed on destroy), when no workDir was given. */
  readonly ownWork: string | undefined;
}

/** PIDs whose parent is `pid` (PostgreSQL's backends and auxiliary processes under the postmaster). */
async function childrenOf(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await procStat(Number(entry)))?.ppid !== pid) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
      out.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until none of the records is alive (zombies count as dead); false when time ran out. */
async function waitDead(records: readonly ProcessRecord[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let alive = false;
    for (const r of records) if (await isAlive(r)) alive = true;
    if (!alive) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/**
 * The drills' target on this machine: each drill deploys a throwaway local cluster (loopback plan
 * `<addressBase>.x.y`, state in a temp dir) with the local runtime, signals its processes by PID, and
 * SIGKILLs and purges it at the end. No network capability: every node shares the loopback stack.
 */
export class LocalDrillTarget implements DrillTarget {
  readonly description: string;
  #deployed: Deployed | undefined;
  /** The kernel start time of every PID handed out, so a reused PID is never signalled or waited on. */
  readonly #records = new Map<number, ProcessRecord>();

  constructor(private readonly settings: LocalDrillTargetOptions) {
    this.description =
      settings.network === 'netns'
        ? `on ${addressPlan({ ...DEFAULTS, addressBase: settings.addressBase, network: 'netns' }).netns?.cidr} (network namespaces)`
        : `on ${settings.addressBase}.x.y`;
    this.network =
      settings.network === 'netns'
        ? networkFaultsOf(() => {
            if (!this.#network) throw new Error('the drill target has no cluster deployed');
            return this.#network;
          })
        : undefined;
  }

  /** Link faults, in netns mode (netns.ts networkFaultsOf). */
  readonly network: ReturnType<typeof networkFaultsOf> | undefined;
  #network: Network | undefined;

  #quiet: LocalClusterEventListener = (event) => {
    if (event.type === 'warning') this.settings.onWarning?.(event);
  };

  async deploy(spec: DrillClusterSpec, signal?: AbortSignal): Promise<DeployedDrillCluster> {
    if (this.#deployed) await this.destroy();
    const ownWork = this.settings.workDir === undefined;
    const work = this.settings.workDir ?? (await mkdtemp(join(tmpdir(), 'pgha-drill-')));
    await chmod(work, 0o755); // the services run as postgres when we are root
    const asRoot = this.settings.asRoot ?? process.getuid?.() === 0;
    const layout = layoutFor({
      cluster: 'drill',
      stateRoot: join(work, 'state'),
      nodesRoot: join(work, 'nodes'),
      asRoot,
    });
    const options: LocalOptions = {
      ...DEFAULTS,
      cluster: 'drill',
      profile: spec.profile.patroniTiming,
      synchronousMode: spec.synchronousMode,
      addressBase: this.settings.addressBase,
      network: this.settings.network ?? 'loopback',
    };
    const loadBalancerCheck = spec.profile.loadBalancerCheck ?? LOCAL_HEALTH_CHECK;
    const request: DeployLocalOptions = {
      options,
      layout,
      install: this.settings.install ?? true,
      allowUnsafeComponents: this.settings.allowUnsafeComponents === true,
      phaseTimeoutMs: 120_000,
      haproxyHealthCheck: loadBalancerCheck,
      asRoot,
      env: this.settings.env,
      installer: this.settings.installer,
    };
    this.#deployed = { layout, options, request, ownWork: ownWork ? work : undefined };
    await deployLocal({ ...request, signal }, this.#quiet);
    this.#network = await openClusterNetwork(layout);
    return { manifestFile: layout.manifestFile, loadBalancerCheck };
  }

  async restart(signal?: AbortSignal): Promise<void> {
    const d = this.#need();
    await deployLocal({ ...d.request, install: false, signal }, this.#quiet);
  }

  async destroy(): Promise<void> {
    await this.#teardown(false);
  }

  /**
   * For a CLI interrupted mid-drill (SIGINT/SIGTERM): SIGKILL and purge the cluster even while this process's
   * own deploy still holds its lock.
   */
  async interrupt(): Promise<string | undefined> {
    const dir = this.#deployed?.layout.stateDir;
    await this.#teardown(true).catch(() => {});
    return dir;
  }

  async restApiCredentials(): Promise<string> {
    const d = this.#need();
    return `patroni:${(await readFile(secretFile(d.layout.secretsDir, 'restapi'), 'utf8')).trim()}`;
  }

  async processes(member: string): Promise<readonly NodeProcess[]> {
    const d = this.#need();
    const out: NodeProcess[] = [];
    const add = (record: ProcessRecord, role: NodeProcess['role'], command: string) => {
      this.#records.set(record.pid, record);
      out.push({ member, role, pid: record.pid, command });
    };
    if (member.startsWith('etcd-')) {
      const r = await readRecord(etcdLayout(d.layout, member).recordFile);
      if (r && (await isAlive(r))) add(r, 'etcd', r.command.join(' '));
      return out;
    }
    const nodeLayout = patroniLayout(d.layout, member);
    const patroni = await readRecord(nodeLayout.recordFile);
    if (patroni && (await isAlive(patroni))) add(patroni, 'patroni', patroni.command.join(' '));
    const pm = await postmasterRecord(nodeLayout.dataDir, member);
    if (pm) {
      add(pm, 'postmaster', pm.command.join(' '));
      for (const c of await childrenOf(pm.pid)) {
        const stat = await procStat(c.pid);
        if (stat)
          add(
            { name: member, pid: c.pid, startTime: stat.startTime, command: [c.cmdline] },
            'postgres-child',
            c.cmdline,
          );
      }
    }
    return out;
  }

  /** The tail of a member's log file (the node's `patroni.log` or `etcd.log`); the last 64 KiB at most are read. */
  async logTail(member: string, lines: number): Promise<string | undefined> {
    const d = this.#need();
    const file = member.startsWith('etcd-')
      ? etcdLayout(d.layout, member).logFile
      : patroniLayout(d.layout, member).logFile;
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .slice(-lines)
        .join('\n');
    } finally {
      await handle.close();
    }
  }

  /** Patroni's thread stacks, through {@link patroniThreadDump}; undefined for an etcd member. */
  async threadDump(member: string): Promise<string | undefined> {
    if (member.startsWith('etcd-')) return undefined;
    return patroniThreadDump(this.#need().layout, member);
  }

  async signal(p: NodeProcess, signal: DrillSignal): Promise<void> {
    const record = this.#records.get(p.pid);
    // Only a process this target handed out, and only while it is the same process (PID reuse).
    if (!record || !(await isAlive(record))) return;
    sendSignal(p.pid, signal);
  }

  async waitExited(processes: readonly NodeProcess[], timeoutMs: number): Promise<boolean> {
    const records = processes
      .map((p) => this.#records.get(p.pid))
      .filter((r): r is ProcessRecord => r !== undefined);
    return waitDead(records, timeoutMs);
  }

  #need(): Deployed {
    if (!this.#deployed) throw new Error('the drill target has no cluster deployed');
    return this.#deployed;
  }

  async #teardown(interrupting: boolean): Promise<void> {
    const d = this.#deployed;
    if (!d) return;
    this.#deployed = undefined;
    this.#records.clear();
    try {
      await killEverything(d.layout, d.options);
      // netns: the hosts stay for the next trial; the run removes them at its end (teardownDrillNetwork).
      await destroyLocal(d.layout, true, this.#quiet, {
        interruptingOwnDeploy: interrupting,
        keepNetwork: d.options.network === 'netns',
      });
    } finally {
      if (d.ownWork) await rm(d.ownWork, { recursive: true, force: true }).catch(() => {});
    }
  }
}

/**
 * A throwaway cluster needs no clean shutdown: SIGKILL every process it started (by PID, from the records
 * and postmaster.pid files) at once, so no chain of promotions runs while it goes down.
 */
async function killEverything(layout: Layout, options: LocalOptions): Promise<void> {
  const records: ProcessRecord[] = [];
  for (const c of await componentStatus(layout, options)) if (c.running && c.record) records.push(c.record);
  for (const node of addressPlan(options).patroni) {
    const pm = await postmasterRecord(patroniLayout(layout, node.name).dataDir, node.name);
    if (pm) records.push(pm);
  }
  for (const r of records) sendSignal(r.pid, 'SIGKILL');
  await waitDead(records, 10_000);
}

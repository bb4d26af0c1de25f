import { type PatroniMember, parsePatroniMembers, type RestTls, rest } from '@pgha/clients';
import { PORTS } from '@pgha/defaults';
import type { Manifest } from '@pgha/verify';
import { DirectProbe } from './direct-probe.js';
import type { PgEndpoint } from './endpoint.js';
import { DrillError } from './errors.js';
import type { DrillEventListener } from './events.js';
import { pgOnce } from './private/pg.js';
import { sleep, until } from './private/wait.js';
import type { DrillCheck } from './result.js';
import type { Member, PrimarySampler } from './sampler.js';
import {
  type DrillSignal,
  type DrillTarget,
  hasProcessFaults,
  type NetworkFaults,
  type NodeProcess,
  type ProcessFaults,
} from './target.js';
import type { Workload } from './workload.js';

/** GET `path` from the first member whose REST API answers 200; throws the last failure. */
export async function anyRest(members: readonly Member[], tls: RestTls, path: string): Promise<string> {
  let last = '';
  for (const m of members) {
    try {
      const r = await rest(`${m.rest}${path}`, tls, { timeoutMs: 2000 });
      if (r.status === 200) return r.body;
      last = `${m.rest}${path}: HTTP ${r.status}`;
    } catch (error) {
      last = `${m.rest}${path}: ${(error as Error).message}`;
    }
  }
  throw new Error(last);
}

/** A member as Patroni's `/cluster` shows it: `@pgha/clients`' one member type (`master` read as `leader`). */
export type ClusterMember = PatroniMember;

/** The Patroni timings of the running cluster, from its `/config`. */
export interface PatroniTiming {
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
  readonly maximumLagOnFailover: number;
}

/**
 * What a {@link DrillContext} is built from (see runDrill): its readonly fields as they are, plus the two it keeps
 * private (`restAuth` for Patroni's unsafe methods, `onEvent` for progress lines). Picked from the class, so each
 * field's type and documentation are stated once.
 */
export interface DrillContextInit
  extends Pick<
    DrillContext,
    | 'target'
    | 'manifest'
    | 'members'
    | 'restTls'
    | 'etcdTls'
    | 'loadBalancer'
    | 'timing'
    | 'synchronousMode'
    | 'failsafe'
    | 'waitMs'
    | 'sampler'
    | 'workload'
    | 'signal'
  > {
  /** `user:password` for Patroni's unsafe methods; kept private by the context. */
  readonly restAuth: string;
  /** Where progress lines go; kept private by the context. */
  readonly onEvent: DrillEventListener;
}

/**
 * What a scenario works with: the target, the cluster's addresses, the running sampler and workload, and the
 * shared steps (restart, wait for a new leader, wait for the rejoin). It records what the measurement needs
 * (the fault time, the promotion, the rejoin, notes, checks). One per drill; nothing global.
 */
export class DrillContext {
  readonly target: DrillTarget;
  readonly manifest: Manifest;
  readonly members: readonly Member[];
  readonly restTls: RestTls;
  readonly etcdTls: RestTls;
  /** The load balancer's primary listener, as the workload uses it. */
  readonly loadBalancer: PgEndpoint;
  readonly timing: PatroniTiming;
  readonly synchronousMode: boolean;
  readonly failsafe: boolean;
  /** Bound on each wait (new leader, rejoin, writes resuming). */
  readonly waitMs: number;
  readonly sampler: PrimarySampler;
  readonly workload: Workload;
  readonly signal: AbortSignal | undefined;

  /** The fault, epoch ms (set by {@link markFault}; until then the drill's start). */
  t0 = Date.now();
  /** The primary when the fault was injected. */
  oldPrimary = '';
  /** `/cluster` just before the fault. */
  view: readonly ClusterMember[] = [];
  promotedAt: number | undefined;
  rejoinedAt: number | undefined;
  /** When the fault was undone: a frozen node resumed, a cut link healed. */
  healedAt: number | undefined;
  restartError: string | undefined;
  probe: DirectProbe | undefined;
  readonly checks: DrillCheck[] = [];
  readonly notes: string[] = [];
  readonly #restAuth: string;
  readonly #onEvent: DrillEventListener;

  constructor(init: DrillContextInit) {
    this.target = init.target;
    this.manifest = init.manifest;
    this.members = init.members;
    this.restTls = init.restTls;
    this.etcdTls = init.etcdTls;
    this.loadBalancer = init.loadBalancer;
    this.timing = init.timing;
    this.synchronousMode = init.synchronousMode;
    this.failsafe = init.failsafe;
    this.waitMs = init.waitMs;
    this.sampler = init.sampler;
    this.workload = init.workload;
    this.signal = init.signal;
    this.#restAuth = init.restAuth;
    this.#onEvent = init.onEvent;
  }

  /** A progress line. */
  note(message: string): void {
    this.#onEvent({ type: 'progress', step: 'drill', message });
  }

  /** A progress line that is also kept in the result's notes. */
  observe(message: string): void {
    this.notes.push(message);
    this.note(message);
  }

  /** The fault happens now: figures are measured from here. */
  markFault(): number {
    this.t0 = Date.now();
    return this.t0;
  }

  /** Seconds since the fault, one decimal. */
  since(at: number = Date.now()): string {
    return ((at - this.t0) / 1000).toFixed(1);
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, this.signal);
  }

  until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100) {
    return until(probe, timeoutMs, intervalMs, this.signal);
  }

  /** The target's link faults; TARGET_UNSUPPORTED when it has none (the registry refuses such drills earlier). */
  get network(): NetworkFaults {
    if (this.target.network === undefined) {
      throw new DrillError(
        'TARGET_UNSUPPORTED',
        `the target (${this.target.description}) cannot cut or degrade links: it has no network capability`,
      );
    }
    return this.target.network;
  }

  member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new DrillError('FAULT_FAILED', `no Patroni member ${JSON.stringify(name)} in the manifest`);
    return m;
  }

  /** One member's PostgreSQL, straight (not through the load balancer). */
  direct(name: string): PgEndpoint {
    const m = this.manifest.patroni.members?.find((x) => x.name === name);
    return { ...this.loadBalancer, host: this.member(name).host, port: m?.port ?? this.directPort };
  }

  get directPort(): number {
    return this.manifest.patroni.members?.[0]?.port ?? PORTS.postgres;
  }

  /** A REST call to one member (the unsafe methods carry the REST API credentials). */
  rest(name: string, path: string, call: { method?: string; body?: unknown; timeoutMs: number }) {
    const unsafe = call.method !== undefined && !['GET', 'OPTIONS', 'HEAD'].includes(call.method);
    return rest(`${this.member(name).rest}${path}`, this.restTls, {
      ...call,
      ...(unsafe ? { auth: this.#restAuth } : {}),
    });
  }

  /** GET `path` from the first member that answers 200. */
  anyRest(path: string): Promise<string> {
    return anyRest(this.members, this.restTls, path);
  }

  async clusterView(): Promise<ClusterMember[]> {
    const members = parsePatroniMembers(JSON.parse(await this.anyRest('/cluster')));
    if (!members) throw new Error('Patroni\'s /cluster answered without "members"');
    return members;
  }

  /**
   * The target's process faults; TARGET_UNSUPPORTED when it lacks them (the scenarios that use them require
   * `processes`, so runDrill refuses them earlier).
   */
  private get processFaults(): ProcessFaults {
    const t = this.target;
    if (!hasProcessFaults(t)) {
      throw new DrillError(
        'TARGET_UNSUPPORTED',
        `the target (${t.description}) cannot signal processes: it has no processes capability`,
      );
    }
    return {
      processes: t.processes.bind(t),
      signal: t.signal.bind(t),
      waitExited: t.waitExited.bind(t),
    };
  }

  /** The processes of a member with one role; FAULT_FAILED when there is none. */
  async process(member: string, role: NodeProcess['role']): Promise<NodeProcess> {
    const p = (await this.processFaults.processes(member)).find((x) => x.role === role);
    if (!p) throw new DrillError('FAULT_FAILED', `no running ${role} process for ${member}`);
    return p;
  }

  async processes(member: string, role: NodeProcess['role']): Promise<NodeProcess[]> {
    return (await this.processFaults.processes(member)).filter((x) => x.role === role);
  }

  /** Send `signal` to one process of the target; one already gone is not an error. */
  async kill(process: NodeProcess, signal: DrillSignal): Promise<void> {
    await this.processFaults.signal(process, signal);
  }

  async signalAll(processes: readonly NodeProcess[], signal: DrillSignal) {
    for (const p of processes) await this.kill(p, signal);
  }

  /** Wait until none of the processes is alive; false when time ran out. */
  async waitExited(processes: readonly NodeProcess[], timeoutMs: number): Promise<boolean> {
    return this.processFaults.waitExited(processes, timeoutMs);
  }

  /** SIGKILL the old primary's Patroni and postmaster at once: the host is gone. Marks the fault. */
  async crashHost(): Promise<void> {
    const p = await this.process(this.oldPrimary, 'patroni');
    const pm = await this.process(this.oldPrimary, 'postmaster');
    this.markFault();
    await this.signalAll([p, pm], 'SIGKILL');
    this.note(`SIGKILL ${this.oldPrimary}: Patroni PID ${p.pid}, postmaster PID ${pm.pid}`);
    await this.waitExited([p, pm], 10_000);
  }

  /** Start writing straight to a member every 250 ms (bypassing the load balancer). */
  startDirectProbe(name: string): DirectProbe {
    this.probe = new DirectProbe(this.direct(name));
    this.probe.start();
    return this.probe;
  }

  /** Start what is missing, the way deploy does; a failure is recorded, not thrown. */
  async restart(what: string): Promise<void> {
    this.note(`restart ${what} the way deploy does (start only what is missing)`);
    try {
      await this.target.restart(this.signal);
    } catch (error) {
      if (this.signal?.aborted) throw error;
      this.restartError = (error as Error).message.split('\n')[0];
      this.observe(`restart of ${what} failed: ${this.restartError}`);
    }
  }

  /** Wait until a member other than the old primary is the one primary; records the promotion. */
  async waitNewLeader(): Promise<string | undefined> {
    const leader = await this.until(() => {
      const c = this.sampler.current(this.t0);
      return c !== undefined && c !== this.oldPrimary ? c : undefined;
    }, this.waitMs);
    if (leader) {
      this.promotedAt = this.sampler.firstSoleAnswer(leader, this.t0)?.at;
      this.note(`new primary ${leader} after ${this.since(this.promotedAt)} s`);
    } else this.observe(`no other member became primary within ${this.waitMs / 1000} s`);
    return leader;
  }

  /** Wait until the old primary streams from the new one; records the rejoin. */
  async waitRejoin(): Promise<void> {
    this.rejoinedAt = await this.until(
      async () => {
        const leader = this.sampler.current(this.t0);
        if (leader === undefined || leader === this.oldPrimary) return undefined;
        const rows = await pgOnce<{ application_name: string }>(
          this.direct(leader),
          "select application_name from pg_stat_replication where state = 'streaming'",
          2000,
        );
        return rows.some((r) => r.application_name === this.oldPrimary) ? Date.now() : undefined;
      },
      this.waitMs,
      250,
    );
    if (this.rejoinedAt)
      this.note(
        `${this.oldPrimary} streams from the new primary ${this.since(this.rejoinedAt)} s after the fault`,
      );
    else
      this.observe(`${this.oldPrimary} did not rejoin as a streaming replica within ${this.waitMs / 1000} s`);
  }

  /** Whether any write was acknowledged after `since`. */
  writesAfter(since: number): boolean {
    return this.workload.ackedAfter(since);
  }

  /** After a fault that may or may not move the leader: record a promotion and wait for the rejoin if it moved. */
  async followLeader(): Promise<string | undefined> {
    const leader = this.sampler.current(this.t0);
    if (leader !== undefined && leader !== this.oldPrimary) {
      this.promotedAt = this.sampler.firstSoleAnswer(leader, this.t0)?.at;
      await this.waitRejoin();
    }
    return leader;
  }
}

import type { Manifest } from '../manifest.js';
import { type EtcdApi, type EtcdMember, type EtcdStatus, gatewayEtcdApi } from './etcd-api.js';
import { groupFailures } from './group.js';
import type { Materials } from './materials.js';
import {
  type PatroniApi,
  type PatroniMember,
  type PatroniNodeStatus,
  patroniApi,
  restBase,
} from './patroni-api.js';
import { openPg, type PgEndpoint, type PgSession, type ServerInfo, serverInfo } from './pg-probe.js';
import { deadline, messageOf, ProbeFailure } from './probe-failure.js';

/** What a check returns; the runner adds id, ok and ms. */
export interface Verdict {
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: ProbeFailure };

export interface EtcdView {
  /** Status per manifest endpoint, each settling on its own (a silent member holds up only its own). */
  readonly statuses: ReadonlyMap<string, Promise<Settled<EtcdStatus>>>;
  /** Member list from the first endpoint that answered status (others as fallback). */
  readonly memberList: Promise<Settled<{ from: string; members: EtcdMember[] }>>;
  /** A linearizable read through the first endpoint that answered status (others as fallback). */
  readonly quorumRead: Promise<Settled<{ from: string; ms: number }>>;
}

export interface PatroniView {
  /** `/cluster` from the first REST API that answered. */
  readonly cluster: Settled<{ from: string; members: PatroniMember[] }>;
  /** `/patroni` per manifest REST URL. */
  readonly nodes: ReadonlyMap<string, Settled<PatroniNodeStatus>>;
}

export interface PrimaryWrite {
  readonly table: string;
  readonly token: string;
  /** `performance.now()` when the commit returned. */
  readonly committedAt: number;
  readonly ms: number;
  readonly node: string;
}

export interface RunContext {
  readonly manifest: Manifest;
  readonly materials: Materials;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly maxLagBytes: number;
  readonly tlsWarnDays: number;
  readonly replicationBoundMs: number;
  readonly now: () => Date;
  readonly runId: string;
  etcd(): Promise<EtcdView>;
  patroni(): Promise<PatroniView>;
  /** A shared connection through a load balancer port, with what it reached. */
  pg(which: 'primary' | 'replicas'): Promise<{ session: PgSession; info: ServerInfo }>;
  /**
   * The run's one write through the primary port: a scratch table with one row, committed in one
   * transaction. Shared by pg.primary and pg.replication; dropped by {@link RunContext.close}.
   */
  primaryWrite(signal: AbortSignal): Promise<PrimaryWrite>;
  /** Drops the scratch table and closes connections, within about `graceMs`. */
  close(graceMs: number): Promise<void>;
  /** Display name of an etcd endpoint: deploy's name, else the member's name, else the URL. */
  etcdName(endpoint: string, members?: readonly EtcdMember[]): string;
  /** Display name of a Patroni REST URL. */
  patroniName(rest: string, members?: readonly PatroniMember[]): string;
}

async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: e instanceof ProbeFailure ? e : new ProbeFailure(messageOf(e), 'other') };
  }
}

/** First success of several probes, or all their failures (with the index of the probe that failed). */
async function firstOk<T>(
  probes: Promise<T>[],
): Promise<{ value?: T; errors: { index: number; failure: ProbeFailure }[] }> {
  const results = probes.map(settle);
  return new Promise((resolvePromise) => {
    let left = results.length;
    const errors: { index: number; failure: ProbeFailure }[] = [];
    if (left === 0) resolvePromise({ errors });
    results.forEach((r, index) => {
      r.then((s) => {
        if (s.ok) resolvePromise({ value: s.value, errors });
        else errors.push({ index, failure: s.error });
        left -= 1;
        if (left === 0) resolvePromise({ errors: errors.sort((a, b) => a.index - b.index) });
      });
    });
  });
}

const sameUrl = (a: string, b: string): boolean => {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return a === b;
  }
};

export function createContext(args: {
  manifest: Manifest;
  materials: Materials;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  maxLagBytes: number;
  tlsWarnDays: number;
  replicationBoundMs: number;
  now: () => Date;
  runId: string;
  etcdApi?: EtcdApi;
  patroniApi?: PatroniApi;
}): RunContext {
  const { manifest, materials, timeoutMs, signal } = args;
  // The probes several checks share end a little before the checks' own deadlines, so that every check
  // still reports what each of its probes saw (which member did not answer) instead of a bare timeout.
  const probeMs = Math.max(1, timeoutMs - Math.min(100, Math.floor(timeoutMs / 10)));
  const etcdApi = args.etcdApi ?? gatewayEtcdApi(materials.etcdTls, probeMs);
  const patApi = args.patroniApi ?? patroniApi(materials.patroniTls, probeMs);
  let etcdView: Promise<EtcdView> | undefined;
  let patroniView: Promise<PatroniView> | undefined;
  // One deadline for the shared probes of a run; each check also has its own.
  const runSignal = deadline(probeMs, signal);
  const sessions = new Map<'primary' | 'replicas', Promise<{ session: PgSession; info: ServerInfo }>>();
  let write: Promise<PrimaryWrite> | undefined;
  const pgSettings = {
    user: manifest.postgres.user,
    database: manifest.postgres.database,
    password: materials.password,
    passwordFile: manifest.postgres.passwordFile,
    tls: materials.pgTls,
  };
  const pgEndpoint = (which: 'primary' | 'replicas'): PgEndpoint => {
    const hp = manifest.postgres[which];
    return {
      ...hp,
      label: `${which === 'primary' ? 'primary' : 'replica'} port ${hp.host}:${hp.port}`,
      field: `postgres.${which}`,
    };
  };

  let created: string | undefined;
  const etcdWho = (e: string) => {
    const n = ctx.etcdName(e);
    return n === e ? e : `${n} (${e})`;
  };
  const restName = (r: string) => {
    const n = ctx.patroniName(r);
    return n === r ? r : `${n} (${r})`;
  };
  const ctx: RunContext = {
    ...args,
    etcd() {
      etcdView ??= (() => {
        const s = runSignal;
        const endpoints = manifest.etcd.endpoints;
        const named = (errors: { index: number; failure: ProbeFailure }[]) =>
          errors.map((e) => ({ who: etcdWho(endpoints[e.index] ?? '?'), failure: e.failure }));
        const statuses = new Map(endpoints.map((e) => [e, settle(etcdApi.status(e, s))] as const));
        // The endpoint that answered status first: its connection is open and it has shown it is alive.
        const first = firstOk(
          endpoints.map((e) =>
            (statuses.get(e) as Promise<Settled<EtcdStatus>>).then((r) =>
              r.ok ? e : Promise.reject(r.error),
            ),
          ),
        );
        const noAnswer = (errors: { index: number; failure: ProbeFailure }[]) =>
          new ProbeFailure(
            groupFailures(named(errors)),
            errors.some((e) => e.failure.kind === 'timeout') ? 'timeout' : 'other',
          );
        /** Runs `op` on the first answering endpoint, then on every other one at once if that fails. */
        const viaFirst = async <T>(
          op: (e: string) => Promise<T>,
        ): Promise<Settled<T> & { errors?: ProbeFailure[] }> => {
          const f = await first;
          if (f.value === undefined) return { ok: false, error: noAnswer(f.errors) };
          const chosen = f.value;
          try {
            return { ok: true, value: await op(chosen) };
          } catch (e) {
            const firstError = e instanceof ProbeFailure ? e : new ProbeFailure(messageOf(e), 'other');
            const others = endpoints.filter((x) => x !== chosen);
            const r = await firstOk(others.map(op));
            if (r.value !== undefined) return { ok: true, value: r.value };
            const all = [
              { index: endpoints.indexOf(chosen), failure: firstError },
              ...r.errors.map((x) => ({
                index: endpoints.indexOf(others[x.index] ?? ''),
                failure: x.failure,
              })),
            ].sort((a, b) => a.index - b.index);
            return { ok: false, error: noAnswer(all) };
          }
        };
        const memberList = viaFirst((e) =>
          etcdApi.memberList(e, s).then((r) => ({ from: e, members: r.members })),
        ).then(
          (r): Settled<{ from: string; members: EtcdMember[] }> =>
            r.ok
              ? r
              : {
                  ok: false,
                  error: new ProbeFailure(`member list failed: ${r.error.message}`, r.error.kind),
                },
        );
        const quorumRead = (async (): Promise<Settled<{ from: string; ms: number }>> => {
          await first;
          const t0 = performance.now();
          const r = await viaFirst((e) => etcdApi.quorumRead(e, s).then(() => e));
          if (r.ok) return { ok: true, value: { from: r.value, ms: performance.now() - t0 } };
          return {
            ok: false,
            error: new ProbeFailure(
              r.error.kind === 'timeout'
                ? `a linearizable read did not complete within ${probeMs} ms (no quorum?): ${r.error.message}`
                : `a linearizable read failed: ${r.error.message}`,
              r.error.kind,
            ),
          };
        })();
        return Promise.resolve({ statuses, memberList, quorumRead });
      })();
      return etcdView;
    },
    patroni() {
      patroniView ??= (async () => {
        const s = runSignal;
        const rest = manifest.patroni.rest;
        const [cluster, nodes] = await Promise.all([
          firstOk(rest.map((r) => patApi.cluster(r, s).then((members) => ({ from: r, members })))),
          Promise.all(rest.map(async (r) => [r, await settle(patApi.status(r, s))] as const)),
        ]);
        return {
          cluster:
            cluster.value !== undefined
              ? { ok: true, value: cluster.value }
              : {
                  ok: false,
                  error: new ProbeFailure(
                    `no Patroni REST API answered /cluster: ${groupFailures(
                      cluster.errors.map((e) => ({
                        who: restName(rest[e.index] ?? '?'),
                        failure: e.failure,
                      })),
                    )}`,
                    'other',
                  ),
                },
          nodes: new Map(nodes),
        };
      })();
      return patroniView;
    },
    pg(which) {
      let p = sessions.get(which);
      if (!p) {
        p = (async () => {
          const session = await openPg(pgEndpoint(which), pgSettings, runSignal, probeMs);
          try {
            return { session, info: await serverInfo(session, runSignal) };
          } catch (e) {
            await session.close(0);
            throw e;
          }
        })();
        p.catch(() => {});
        sessions.set(which, p);
      }
      return p;
    },
    primaryWrite(checkSignal) {
      write ??= (async () => {
        const { session, info } = await ctx.pg('primary');
        if (info.inRecovery) {
          throw new ProbeFailure(
            `${session.endpoint.label} reached ${info.node}, a replica: no write possible (see pg.primary)`,
            'other',
          );
        }
        const table = `pgha_verify_${args.runId}`;
        const token = `${args.runId}-${Date.now()}`;
        const t0 = performance.now();
        // One simple-protocol query: its statements commit together or not at all.
        await session.query(
          `CREATE TABLE ${table} (token text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ` +
            `INSERT INTO ${table} (token) VALUES ('${token}')`,
          [],
          runSignal,
        );
        const committedAt = performance.now();
        created = table;
        return { table, token, committedAt, ms: committedAt - t0, node: info.node };
      })();
      write.catch(() => {});
      // A check stops waiting at its own deadline even if the shared write goes on.
      return raceSignal(write, checkSignal, `write through ${pgEndpoint('primary').label}`, timeoutMs);
    },
    async close(graceMs) {
      const opened = await Promise.all(
        [...sessions.values()].map((p) => p.then((x) => x.session).catch(() => undefined)),
      );
      const primary = await sessions.get('primary')?.catch(() => undefined);
      if (created && primary) {
        const ac = new AbortController();
        const t = setTimeout(() => ac.abort(new DOMException('cleanup', 'TimeoutError')), graceMs);
        await primary.session.query(`DROP TABLE IF EXISTS ${created}`, [], ac.signal).catch(() => {});
        clearTimeout(t);
      }
      await Promise.all(opened.map((x) => x?.close(graceMs)));
      etcdApi.close();
    },
    etcdName(endpoint, members) {
      const i = manifest.etcd.endpoints.findIndex((e) => sameUrl(e, endpoint));
      const byDeploy = i >= 0 ? manifest.etcd.names?.[i] : undefined;
      if (byDeploy) return byDeploy;
      const m = members?.find((x) => x.name !== '' && x.clientUrls.some((u) => sameUrl(u, endpoint)));
      return m ? m.name : endpoint;
    },
    patroniName(rest, members) {
      const byDeploy = manifest.patroni.members?.find((n) => sameUrl(n.rest, rest));
      if (byDeploy) return byDeploy.name;
      const m = members?.find((x) => x.apiUrl !== '' && sameUrl(restBase(x.apiUrl), rest));
      return m ? m.name : rest;
    },
  };
  return ctx;
}

export { sameUrl };

/** Waits for `p`, but gives up with a timeout failure naming `what` when `signal` aborts first. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal, what: string, timeoutMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(abortFailure(signal, what, timeoutMs));
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(abortFailure(signal, what, timeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function abortFailure(signal: AbortSignal, what: string, timeoutMs: number): ProbeFailure {
  return signal.reason?.name === 'TimeoutError'
    ? new ProbeFailure(`${what}: no answer within ${timeoutMs} ms`, 'timeout')
    : new ProbeFailure(`${what}: cancelled`, 'other');
}

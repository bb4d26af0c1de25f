import { randomBytes } from 'node:crypto';
import { VerifyError } from './errors.js';
import type { Manifest } from './manifest.js';
import { checkEtcdHealth, checkEtcdMembers } from './private/checks/etcd.js';
import { checkPatroniLeader, checkPatroniReplicas, patroniRows } from './private/checks/patroni.js';
import { checkPgPrimary, checkPgReplica, checkPgReplication } from './private/checks/pg.js';
import { checkTlsExpiry } from './private/checks/tls.js';
import { createContext, type RunContext, sameUrl, type Verdict } from './private/context.js';
import { loadMaterials } from './private/materials.js';
import { deadline, messageOf, ProbeFailure } from './private/probe-failure.js';
import {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type EtcdMemberRow,
  type PatroniMemberRow,
  REPORT_VERSION,
  type VerifyReport,
} from './report.js';

/** Options of {@link verifyCluster}. */
export interface VerifyOptions {
  /**
   * Time each check may take, in milliseconds; a check still waiting then fails and names what it waited on.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /** @default - every check, {@link CHECK_IDS} */
  readonly checks?: readonly CheckId[];
  /**
   * `tls.expiry` warns for a certificate that expires within this many days.
   * @default 30
   */
  readonly tlsWarnDays?: number;
  /**
   * `pg.replication` fails when the row is not visible through the replica port within this time.
   * @default - the check timeout
   */
  readonly replicationBoundMs?: number;
  /**
   * Replica lag (bytes) that `patroni.replicas` still accepts.
   * @default - the manifest's `patroni.maxLagBytes`, else 1048576
   */
  readonly maxLagBytes?: number;
  /** Clock for `tls.expiry`. @default - `() => new Date()` */
  readonly now?: () => Date;
  /** Cancels the run: pending checks fail as cancelled. */
  readonly signal?: AbortSignal;
  /** Called as each check finishes (for progress output). */
  readonly onCheck?: (result: CheckResult) => void;
}

type CheckFn = (ctx: RunContext, signal: AbortSignal) => Promise<Verdict>;

const CHECKS: Record<CheckId, CheckFn> = {
  'etcd.members': checkEtcdMembers,
  'etcd.health': checkEtcdHealth,
  'patroni.leader': checkPatroniLeader,
  'patroni.replicas': checkPatroniReplicas,
  'pg.primary': checkPgPrimary,
  'pg.replica': checkPgReplica,
  'pg.replication': checkPgReplication,
  'tls.expiry': checkTlsExpiry,
};

/** Extra time a check gets past its timeout to report what it waited on, before the runner gives up on it. */
const GRACE_MS = 250;

function option(name: string, v: number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new VerifyError('OPTION_INVALID', `${name}: ${v} is out of range; allowed ${min} to ${max}`, {
      fields: [name],
    });
  }
  return v;
}

async function runCheck(id: CheckId, ctx: RunContext, parent: AbortSignal | undefined): Promise<CheckResult> {
  const t0 = performance.now();
  const signal = deadline(ctx.timeoutMs, parent);
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<Verdict>((resolvePromise) => {
    timer = setTimeout(
      () => resolvePromise({ status: 'fail', detail: `no result within ${ctx.timeoutMs} ms` }),
      ctx.timeoutMs + GRACE_MS,
    );
  });
  let v: Verdict;
  try {
    v = await Promise.race([
      CHECKS[id](ctx, signal).catch((e: unknown): Verdict => {
        if (e instanceof ProbeFailure) return { status: 'fail', detail: e.message };
        if (parent?.aborted) return { status: 'fail', detail: 'cancelled' };
        return { status: 'fail', detail: `internal error (please report): ${messageOf(e)}` };
      }),
      backstop,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return {
    id,
    ok: v.status !== 'fail',
    status: v.status,
    detail: v.detail,
    ms: Math.round(performance.now() - t0),
  };
}

/**
 * Runs the smoke-test checks against a deployed cluster, all in parallel, each within its timeout, and
 * returns the report. Throws a {@link VerifyError} only for bad input (unreadable certificate or password
 * file, bad option); everything the cluster does wrong is a failed check in the report.
 */
export async function verifyCluster(manifest: Manifest, options: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const timeoutMs = option('timeoutMs', options.timeoutMs, 1, 600_000) ?? 5000;
  const ids = options.checks ?? CHECK_IDS;
  for (const id of ids) {
    if (!CHECK_IDS.includes(id)) {
      throw new VerifyError(
        'OPTION_INVALID',
        `checks: unknown check "${id}"; known: ${CHECK_IDS.join(', ')}`,
        {
          fields: ['checks'],
        },
      );
    }
  }
  const materials = await loadMaterials(manifest);
  const ctx = createContext({
    manifest,
    materials,
    timeoutMs,
    signal: options.signal,
    maxLagBytes:
      option('maxLagBytes', options.maxLagBytes, 0, Number.MAX_SAFE_INTEGER) ??
      manifest.patroni.maxLagBytes ??
      1024 * 1024,
    tlsWarnDays: option('tlsWarnDays', options.tlsWarnDays, 0, 3650) ?? 30,
    replicationBoundMs: option('replicationBoundMs', options.replicationBoundMs, 1, 600_000) ?? timeoutMs,
    now: options.now ?? (() => new Date()),
    runId: randomBytes(4).toString('hex'),
  });

  const ordered = CHECK_IDS.filter((id) => ids.includes(id));
  let results: CheckResult[];
  try {
    results = await Promise.all(
      ordered.map(async (id) => {
        const r = await runCheck(id, ctx, options.signal);
        options.onCheck?.(r);
        return r;
      }),
    );
  } finally {
    await ctx.close(Math.min(timeoutMs, 1000));
  }

  const wantsEtcd = ordered.some((id) => id.startsWith('etcd.'));
  const wantsPatroni = ordered.some((id) => id.startsWith('patroni.'));
  const etcdRows: EtcdMemberRow[] = wantsEtcd ? await etcdTable(ctx) : [];
  const patroniMembers: PatroniMemberRow[] = wantsPatroni ? patroniRows(ctx, await ctx.patroni()) : [];

  return {
    version: REPORT_VERSION,
    ok: results.every((r) => r.ok),
    cluster: manifest.cluster,
    target: manifest.target,
    checks: results,
    patroni: { members: patroniMembers },
    etcd: { members: etcdRows },
    ms: Math.round(performance.now() - t0),
  };
}

async function etcdTable(ctx: RunContext): Promise<EtcdMemberRow[]> {
  const view = await ctx.etcd();
  const list = await view.memberList;
  const statuses = new Map(
    await Promise.all(ctx.manifest.etcd.endpoints.map(async (e) => [e, await view.statuses.get(e)] as const)),
  );
  const members = list.ok ? list.value.members : [];
  const rows: EtcdMemberRow[] = members.map((m) => {
    const endpoint = ctx.manifest.etcd.endpoints.find((e) => m.clientUrls.some((u) => sameUrl(u, e)));
    const st = endpoint ? statuses.get(endpoint) : undefined;
    return {
      id: m.id,
      name: m.name || '(not started)',
      clientUrls: m.clientUrls,
      learner: m.isLearner,
      ...(st?.ok
        ? { isLeader: st.value.leader === m.id, raftTerm: st.value.raftTerm, version: st.value.version }
        : {}),
      ...(st && !st.ok ? { error: st.error.message } : {}),
    };
  });
  // Endpoints of the manifest that no listed member advertises (or no member list at all).
  for (const e of ctx.manifest.etcd.endpoints) {
    if (members.some((m) => m.clientUrls.some((u) => sameUrl(u, e)))) continue;
    const st = statuses.get(e);
    rows.push({
      id: st?.ok ? st.value.memberId : '?',
      name: ctx.etcdName(e, members),
      clientUrls: [e],
      learner: st?.ok ? st.value.isLearner : false,
      ...(st?.ok ? { isLeader: st.value.leader === st.value.memberId, raftTerm: st.value.raftTerm } : {}),
      ...(st && !st.ok ? { error: st.error.message } : {}),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

import type { PatroniMemberRow } from '../../report.js';
import { type PatroniView, type RunContext, sameUrl, type Verdict } from '../context.js';
import { type PatroniMember, restBase } from '../patroni-api.js';

const LEADER_ROLES = new Set(['leader', 'standby_leader', 'master', 'primary']);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function leadersOf(members: readonly PatroniMember[]): PatroniMember[] {
  return members.filter((m) => LEADER_ROLES.has(m.role));
}

/**
 * Member table rows (`patronictl list`), a replica's `streaming` taken from the leader's pg_stat_replication
 * when it can be read: Patroni 3.0 says "running" for a streaming replica, and Patroni 3.1+ says "streaming"
 * from the member key in etcd, which stays until its ttl runs out after the replica died.
 */
export function patroniRows(ctx: RunContext, view: PatroniView): PatroniMemberRow[] {
  const rows: PatroniMemberRow[] = [];
  const members = view.cluster.ok ? view.cluster.value.members : [];
  const streaming = streamingNames(ctx, view);
  for (const m of members) {
    const replica = !LEADER_ROLES.has(m.role);
    const state =
      !replica || streaming === undefined || !['running', 'streaming'].includes(m.state)
        ? m.state
        : streaming.has(m.name)
          ? 'streaming'
          : `${m.state}, not streaming`;
    rows.push({
      name: m.name,
      host: m.host ? `${m.host}${m.port ? `:${m.port}` : ''}` : restBase(m.apiUrl),
      role: m.role,
      state,
      ...(m.timeline !== undefined ? { timeline: m.timeline } : {}),
      ...(m.lag !== undefined ? { lagBytes: m.lag } : {}),
    });
  }
  for (const rest of ctx.manifest.patroni.rest) {
    if (members.some((m) => sameUrl(restBase(m.apiUrl), rest))) continue;
    const node = view.nodes.get(rest);
    const fromDeploy = ctx.manifest.patroni.members?.find((x) => sameUrl(x.rest, rest));
    rows.push({
      name: ctx.patroniName(rest, members),
      host: fromDeploy?.host ? `${fromDeploy.host}${fromDeploy.port ? `:${fromDeploy.port}` : ''}` : rest,
      role: node?.ok ? node.value.role : 'unreachable',
      state: node?.ok ? `${node.value.state} (not in /cluster)` : 'unreachable',
    });
  }
  return rows;
}

/** Names the leader's PostgreSQL streams to (pg_stat_replication via the leader's `/patroni`). */
function streamingNames(ctx: RunContext, view: PatroniView): Set<string> | undefined {
  if (!view.cluster.ok) return undefined;
  const leader = leadersOf(view.cluster.value.members)[0];
  if (!leader) return undefined;
  const rest = ctx.manifest.patroni.rest.find((r) => sameUrl(r, restBase(leader.apiUrl)));
  const node = rest ? view.nodes.get(rest) : undefined;
  if (!node?.ok) return undefined;
  return new Set(node.value.replication.filter((r) => r.state === 'streaming').map((r) => r.applicationName));
}

/** `patroni.leader`: exactly one leader in `/cluster`, and no other node runs as a primary. */
export async function checkPatroniLeader(ctx: RunContext): Promise<Verdict> {
  const view = await ctx.patroni();
  if (!view.cluster.ok) return { status: 'fail', detail: view.cluster.error.message };
  const { members } = view.cluster.value;
  const leaders = leadersOf(members);
  const scope = ctx.manifest.patroni.scope;
  if (leaders.length === 0) {
    const seen = members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') || 'no members';
    return {
      status: 'fail',
      detail: `no leader in Patroni scope "${scope}" (${seen}); check etcd and the Patroni logs`,
    };
  }
  if (leaders.length > 1) {
    return { status: 'fail', detail: `${leaders.length} leaders: ${leaders.map((l) => l.name).join(', ')}` };
  }
  const leader = leaders[0] as PatroniMember;
  const problems: string[] = [];
  if (leader.state !== 'running')
    problems.push(`leader ${leader.name} is ${leader.state || 'in no state'}, not running`);
  for (const [rest, node] of view.nodes) {
    if (!node.ok || sameUrl(rest, restBase(leader.apiUrl))) continue;
    if (node.value.role === 'master' || node.value.role === 'primary') {
      problems.push(`${ctx.patroniName(rest, members)} also runs PostgreSQL as a primary (split brain)`);
    }
  }
  if (problems.length > 0) return { status: 'fail', detail: problems.join('; ') };
  const tl = leader.timeline !== undefined ? `, timeline ${leader.timeline}` : '';
  return { status: 'pass', detail: `${leader.name} leads scope "${scope}"${tl}` };
}

/** `patroni.replicas`: every other member reachable, streaming from the leader, lag within bound. */
export async function checkPatroniReplicas(ctx: RunContext): Promise<Verdict> {
  const view = await ctx.patroni();
  if (!view.cluster.ok) return { status: 'fail', detail: view.cluster.error.message };
  const { members } = view.cluster.value;
  const leader = leadersOf(members)[0];
  const streaming = streamingNames(ctx, view);
  const problems: string[] = [];
  const good: string[] = [];
  const name = (rest: string) => {
    const n = ctx.patroniName(rest, members);
    return n === rest ? rest : `${n} (${rest})`;
  };
  for (const rest of ctx.manifest.patroni.rest) {
    const node = view.nodes.get(rest);
    if (node && !node.ok) {
      problems.push(`${name(rest)} does not answer: ${node.error.message.replace(/^\S+: /, '')}`);
    }
    if (!members.some((m) => sameUrl(restBase(m.apiUrl), rest))) {
      problems.push(`${name(rest)} is missing from /cluster (its Patroni is down or lost its etcd key)`);
    }
  }
  if (!leader) problems.push('no leader to stream from (see patroni.leader)');
  else if (streaming === undefined) {
    problems.push(`cannot read pg_stat_replication from leader ${leader.name} (its REST API did not answer)`);
  }
  for (const m of members) {
    if (m === leader) continue;
    const issues: string[] = [];
    // The leader's walsenders decide when they can be read: Patroni's "streaming" can be a dead replica's key.
    const isStreaming = streaming !== undefined ? streaming.has(m.name) : m.state === 'streaming';
    if (m.state !== 'running' && m.state !== 'streaming') issues.push(`state ${m.state || 'unknown'}`);
    else if (streaming !== undefined && !isStreaming) {
      issues.push(`not streaming (leader ${leader?.name ?? '?'} has no walsender for it)`);
    }
    if (m.lag === undefined) issues.push('lag unknown');
    else if (m.lag > ctx.maxLagBytes)
      issues.push(`lag ${formatBytes(m.lag)} > ${formatBytes(ctx.maxLagBytes)}`);
    if (issues.length > 0) problems.push(`${m.name}: ${issues.join(', ')}`);
    else good.push(`${m.name} ${formatBytes(m.lag ?? 0)}`);
  }
  const expected = ctx.manifest.patroni.rest.length - 1;
  if (problems.length === 0 && good.length < expected) {
    problems.push(`${good.length} replicas in /cluster, ${expected} expected`);
  }
  if (problems.length > 0) return { status: 'fail', detail: problems.join('; ') };
  return { status: 'pass', detail: `${good.length} streaming, lag: ${good.join(', ')}` };
}

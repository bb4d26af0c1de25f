import { type RunContext, sameUrl, type Verdict } from '../context.js';
import { groupFailures } from '../group.js';
import type { ProbeFailure } from '../probe-failure.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `etcd.members`: member list over TLS shows the expected count, all started, none learner. */
export async function checkEtcdMembers(ctx: RunContext): Promise<Verdict> {
  const list = await (await ctx.etcd()).memberList;
  if (!list.ok) return { status: 'fail', detail: list.error.message };
  const { members } = list.value;
  const expected = ctx.manifest.etcd.members;
  const problems: string[] = [];
  if (members.length !== expected) {
    problems.push(`${plural(members.length, 'member')} in the cluster, the manifest expects ${expected}`);
  }
  for (const m of members) {
    if (m.name === '' || m.clientUrls.length === 0) {
      problems.push(`member ${m.id} (peer ${m.peerUrls.join(', ') || '?'}) was added but never started`);
    }
    if (m.isLearner) problems.push(`${m.name || m.id} is a learner (not yet promoted to voting member)`);
  }
  for (const e of ctx.manifest.etcd.endpoints) {
    if (!members.some((m) => m.clientUrls.some((u) => sameUrl(u, e)))) {
      problems.push(`no member advertises the manifest's endpoint ${e}`);
    }
  }
  if (problems.length > 0) return { status: 'fail', detail: problems.join('; ') };
  const names = members
    .map((m) => m.name)
    .sort()
    .join(', ');
  return { status: 'pass', detail: `${plural(members.length, 'member')} started, none learner: ${names}` };
}

/** `etcd.health`: every endpoint answers status; one leader; same raft term; a quorum read succeeds. */
export async function checkEtcdHealth(ctx: RunContext): Promise<Verdict> {
  const view = await ctx.etcd();
  const endpoints = ctx.manifest.etcd.endpoints;
  // Every status settles by its own deadline; the member list (for names) follows the first answer.
  const statuses = new Map(
    await Promise.all(endpoints.map(async (e) => [e, await view.statuses.get(e)] as const)),
  );
  const list = await view.memberList;
  const members = list.ok ? list.value.members : undefined;
  const name = (e: string) => {
    const n = ctx.etcdName(e, members);
    return n === e ? e : `${n} (${e})`;
  };
  const memberName = (id: string) => members?.find((m) => m.id === id)?.name || `member ${id}`;
  const problems: string[] = [];
  const down: { who: string; failure: ProbeFailure }[] = [];
  const answered: { endpoint: string; leader: string; term: string }[] = [];
  for (const e of endpoints) {
    const st = statuses.get(e);
    if (!st) continue;
    if (!st.ok) {
      down.push({ who: name(e), failure: st.error });
      continue;
    }
    const s = st.value;
    if (s.errors.length > 0) problems.push(`${name(e)} reports: ${s.errors.join(', ')}`);
    if (s.leader === '0') problems.push(`${name(e)} knows no leader (quorum lost?)`);
    answered.push({ endpoint: e, leader: s.leader, term: s.raftTerm });
  }
  if (down.length > 0) problems.unshift(groupFailures(down));
  const quorum = Math.floor(ctx.manifest.etcd.members / 2) + 1;
  if (answered.length > 0 && answered.length < quorum) {
    problems.unshift(
      `quorum lost: ${answered.length} of ${ctx.manifest.etcd.members} members answer, ${quorum} needed`,
    );
  }
  const leaders = [...new Set(answered.map((a) => a.leader).filter((l) => l !== '0'))];
  if (leaders.length > 1) {
    problems.push(`members disagree on the leader: ${leaders.map(memberName).join(' vs ')}`);
  }
  const terms = [...new Set(answered.map((a) => a.term))];
  if (terms.length > 1) {
    problems.push(
      `raft terms differ: ${answered.map((a) => `${ctx.etcdName(a.endpoint, members)} ${a.term}`).join(', ')}`,
    );
  }
  // Only wait for the quorum read when nothing already says there is no quorum.
  if (answered.length >= quorum && !answered.some((a) => a.leader === '0')) {
    const q = await view.quorumRead;
    if (!q.ok) problems.push(q.error.message);
    else if (problems.length === 0) {
      const leader = leaders[0] !== undefined ? memberName(leaders[0]) : '?';
      return {
        status: 'pass',
        detail:
          `${answered.length}/${endpoints.length} endpoints healthy, leader ${leader}, raft term ${terms[0]}, ` +
          `quorum read ${Math.round(q.value.ms)} ms`,
      };
    }
  }
  return { status: 'fail', detail: problems.join('; ') };
}

import {
  adminNamespace,
  adminNamespaceExists,
  insideNamespace,
  readClusterState,
  statusLocal,
} from '@pgha/local-cluster';
import type { CommandFlags } from '../command.js';
import { argvOf, runInAdmin } from '../netns.js';
import type { Io } from '../reporter.js';
import { existingLayout, NODES_FLAGS } from './context.js';

export const FLAGS = NODES_FLAGS;

export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  const { layout, cluster } = await existingLayout(flags, io, 'status');
  // --network netns: the nodes are reachable from the cluster's admin host only (@pgha/local-cluster netns.ts).
  const state = await readClusterState(layout);
  if (
    state?.options.network === 'netns' &&
    (await adminNamespaceExists(cluster)) &&
    !(await insideNamespace(adminNamespace(cluster)))
  ) {
    return runInAdmin(layout, argvOf('status', flags), io);
  }
  const status = await statusLocal(layout);
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({ version: 1, cluster, ...status })}\n`);
    return status.ok ? 0 : 1;
  }
  const rows = [
    ['MEMBER', 'KIND', 'ADDRESS', 'PORTS', 'PID', 'ROLE', 'VERSION', 'STATE'],
    ...status.components.map((c) => [
      c.name,
      c.kind,
      c.host,
      c.ports.join(','),
      c.pid === undefined ? '-' : String(c.pid),
      c.role ?? '-',
      c.version === undefined
        ? '-'
        : `${c.kind === 'patroni' ? 'Patroni ' : ''}${c.version}${c.postgresVersion ? `, PostgreSQL ${c.postgresVersion}` : ''}`,
      c.state,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const row of rows)
    io.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  const running = status.components.every((c) => c.state === 'running');
  const verdict = status.ok
    ? `all running; leader ${status.leader}`
    : running
      ? 'all processes run, but Patroni has no leader (yet): nothing takes writes; see the patroni.log of each node'
      : 'not all running';
  io.stdout.write(`\ncluster "${cluster}": ${verdict}\n`);
  if (status.timing) {
    const t = status.timing;
    io.stdout.write(
      `Patroni timings in effect (its dynamic configuration): ttl ${t.ttl} s, loop_wait ${t.loopWait} s, retry_timeout ${t.retryTimeout} s\n`,
    );
  }
  return status.ok ? 0 : 1;
}

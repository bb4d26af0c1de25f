import {
  adminNamespace,
  adminNamespaceExists,
  destroyLocal,
  insideNamespace,
  openClusterNetwork,
} from '@pgha/local-cluster';
import type { CommandFlags, FlagTable } from '../command.js';
import { argvOf, runInAdmin } from '../netns.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { AWS_TARGET_FLAGS, existingLayout, NODES_FLAGS, targetOf } from './context.js';

export const FLAGS = {
  ...AWS_TARGET_FLAGS,
  ...NODES_FLAGS,
  purge: { type: 'boolean' },
} as const satisfies FlagTable;

export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  if (targetOf(flags) === 'aws') return (await import('./aws-destroy.js')).run(flags, io);
  const purge = flags.purge === true;
  const { layout, cluster } = await existingLayout(flags, io, purge ? 'purge' : 'destroy', {
    damagedOk: !purge,
  });
  // --network netns: destroy runs in the admin host, so it can ask which etcd member leads and stop that one
  // last (a leader stopped with the others waits 7 s for a handover); it removes the namespaces, its own last.
  if (
    (await openClusterNetwork(layout)) !== undefined &&
    (await adminNamespaceExists(cluster)) &&
    !(await insideNamespace(adminNamespace(cluster)))
  ) {
    return runInAdmin(layout, argvOf('destroy', flags), io);
  }
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const result = await destroyLocal(layout, purge, (event) => reporter.event(event));
  const damaged = result.damagedState;
  if (damaged) {
    // Stopped what the run records named; the state still needs mending before the next deploy.
    io.stderr.write(`warning: ${damaged.message}\n`);
    io.stderr.write(`hint: ${damaged.hint}\n`);
  }
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, cluster, stopped: result.stopped, purged: result.purged, ...(damaged ? { damagedState: damaged.message } : {}) })}\n`,
    );
  } else {
    const stopped =
      result.stopped.length > 0 ? `stopped ${result.stopped.join(', ')}` : 'nothing was running';
    const data = result.purged
      ? 'data removed'
      : damaged
        ? 'data kept'
        : `data kept in ${layout.nodesDir} (--purge removes it)`;
    io.stdout.write(`cluster "${cluster}": ${stopped}; ${data}\n`);
  }
  return 0;
}

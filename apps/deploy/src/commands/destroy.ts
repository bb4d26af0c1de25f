import type { ParsedFlags } from '../cli.js';
import { destroyLocal } from '../local/destroy.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { existingLayout, targetOf } from './context.js';

export default async function destroyCommand(flags: ParsedFlags, io: Io): Promise<number> {
  if (targetOf(flags) === 'aws') return (await import('./aws-destroy.js')).default(flags, io);
  const { layout, cluster } = await existingLayout(flags, io);
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const result = await destroyLocal(layout, flags.purge === true, (event) => reporter.event(event));
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, cluster, stopped: result.stopped, purged: result.purged })}\n`,
    );
  } else {
    const stopped =
      result.stopped.length > 0 ? `stopped ${result.stopped.join(', ')}` : 'nothing was running';
    const data = result.purged ? 'data removed' : `data kept in ${layout.nodesDir} (--purge removes it)`;
    io.stdout.write(`cluster "${cluster}": ${stopped}; ${data}\n`);
  }
  return 0;
}

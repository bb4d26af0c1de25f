import { dirname } from 'node:path';
import { type HintNames, type HintOption, shellWord } from '@pgha/local-cluster';

const FLAGS: Record<HintOption, string> = {
  cluster: '--cluster',
  stateRoot: '--state-dir',
  nodesRoot: '--nodes-dir',
  addressBase: '--address-base',
  network: '--network',
  allowUnsafe: '--allow-unsafe-components',
};

/**
 * How the local runtime's hints read to users of this CLI: its commands and flags, not the library's
 * functions. An operation keeps the cluster and the state dir, so it acts on that deployment and not on the
 * default one.
 */
export const CLI_HINT_NAMES: HintNames = {
  operation: (operation, deployment) => {
    const args = ['--cluster', deployment.cluster, '--state-dir', dirname(deployment.stateDir)];
    if (operation === 'purge') args.push('--purge');
    const command = operation === 'purge' ? 'destroy' : operation;
    return `pnpm run ${command} -- ${args.map(shellWord).join(' ')}`;
  },
  deployment: (d) => `--state-dir ${shellWord(dirname(d.stateDir))} --cluster ${shellWord(d.cluster)}`,
  option: (name, value) => (value === undefined ? FLAGS[name] : `${FLAGS[name]} ${value}`),
  install: () => 'as root, pnpm run components -- --install',
};

import { dirname } from 'node:path';
import { shellWord } from './shell-word.js';

/** What a hint can tell the caller to do to a deployment next. `purge`: destroy it and delete its node data. */
export type HintOperation = 'status' | 'deploy' | 'destroy' | 'purge';

/** The options a hint can tell the caller to change. */
export type HintOption = 'cluster' | 'stateRoot' | 'nodesRoot' | 'addressBase' | 'network' | 'allowUnsafe';

/** A deployment a hint acts on: its cluster name and the state dir that holds it. */
export interface HintDeployment {
  readonly cluster: string;
  /** The cluster's own state dir (`<stateRoot>/<cluster>`). */
  readonly stateDir: string;
}

/**
 * How the hints of this package's errors and warnings name what to do next. A library caller reads
 * {@link LIBRARY_HINT_NAMES} (this package's functions and option names, the default); a CLI passes its own
 * commands and flags (`layoutFor({ hintNames })`, `findBinaries({ hintNames })`), so its users read those.
 */
export interface HintNames {
  /** An operation on a deployment, ready to run or call. */
  operation(operation: HintOperation, deployment: HintDeployment): string;
  /** What selects a deployment (to act on it from its own state dir). */
  deployment(deployment: HintDeployment): string;
  /** An option by name, with the value suggested if there is one. */
  option(name: HintOption, value?: string): string;
  /** Installing the component policy's set as root. */
  install(): string;
}

const FUNCTIONS: Record<HintOperation, string> = {
  status: 'statusLocal()',
  deploy: 'deployLocal()',
  destroy: 'destroyLocal()',
  purge: 'destroyLocal() with purge',
};

const OPTIONS: Record<HintOption, string> = {
  cluster: 'cluster',
  stateRoot: 'stateRoot',
  nodesRoot: 'nodesRoot',
  addressBase: 'addressBase',
  network: 'network',
  allowUnsafe: 'allowUnsafe',
};

/** The default {@link HintNames}: this package's API. */
export const LIBRARY_HINT_NAMES: HintNames = {
  operation: (operation, d) =>
    `${FUNCTIONS[operation]} on cluster "${d.cluster}" of state dir ${shellWord(d.stateDir)}`,
  deployment: (d) =>
    `layoutFor({ cluster: ${JSON.stringify(d.cluster)}, stateRoot: ${JSON.stringify(dirname(d.stateDir))} })`,
  option: (name, value) => (value === undefined ? OPTIONS[name] : `${OPTIONS[name]}: ${value}`),
  install: () => 'installComponents() as root',
};

/** The names for a layout's hints: the ones it was made with, else the library's. */
export function hintNamesOf(layout: { readonly hintNames?: HintNames | undefined }): HintNames {
  return layout.hintNames ?? LIBRARY_HINT_NAMES;
}

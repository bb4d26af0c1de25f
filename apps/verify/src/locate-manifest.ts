import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VerifyError } from './errors.js';

/** Options of {@link locateManifest}. */
export interface LocateManifestOptions {
  /** The state directory (deploy's `.pgha`). The CLI passes `PGHA_STATE_DIR` or `<cwd>/.pgha`. */
  readonly stateDir: string;
  /** Cluster name. @default - the one cluster under `stateDir`; an error when there are several */
  readonly cluster?: string;
}

/** Name of the manifest file inside `<stateDir>/<cluster>/`. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * Finds a deployment's manifest: `<stateDir>/<cluster>/manifest.json`. Without a cluster name, the one
 * cluster directory holding a manifest; throws `MANIFEST_NOT_FOUND` or `MANIFEST_AMBIGUOUS` otherwise.
 */
export async function locateManifest(options: LocateManifestOptions): Promise<string> {
  const stateDir = resolve(options.stateDir);
  if (options.cluster !== undefined) {
    const file = join(stateDir, options.cluster, MANIFEST_FILE);
    if (await isFile(file)) return file;
    const known = await clustersIn(stateDir);
    const hint = known.length > 0 ? `deployments there: ${known.join(', ')}` : 'no deployment there';
    throw new VerifyError(
      'MANIFEST_NOT_FOUND',
      `no manifest for cluster "${options.cluster}" at ${file} (${hint}); deploy it first or pass --manifest PATH`,
    );
  }
  const known = await clustersIn(stateDir);
  const [only] = known;
  if (only !== undefined && known.length === 1) return join(stateDir, only, MANIFEST_FILE);
  if (known.length === 0) {
    throw new VerifyError(
      'MANIFEST_NOT_FOUND',
      `no deployment under ${stateDir} (no */${MANIFEST_FILE}): deploy one (pnpm run deploy), run from the ` +
        'directory you deployed from, or pass --manifest PATH',
    );
  }
  throw new VerifyError(
    'MANIFEST_AMBIGUOUS',
    `${known.length} deployments under ${stateDir}: ${known.join(', ')}; pick one with --cluster NAME`,
  );
}

async function clustersIn(stateDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(stateDir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of entries.sort()) {
    if (await isFile(join(stateDir, name, MANIFEST_FILE))) found.push(name);
  }
  return found;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

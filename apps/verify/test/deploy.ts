// The deploy app's library (apps/deploy), loaded by path: @pgha/verify does not depend on @pgha/deploy
// (deploy imports verify's manifest types; a dependency back would be a cycle). Builds it when missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface DeployLayout {
  readonly cluster: string;
  readonly stateDir: string;
  readonly nodesDir: string;
  readonly manifestFile: string;
}

export interface DeployLib {
  DEFAULTS: Record<string, unknown>;
  layoutFor(o: { cluster: string; stateRoot: string; nodesRoot?: string; asRoot: boolean }): DeployLayout;
  deployLocal(
    request: {
      options: Record<string, unknown>;
      layout: DeployLayout;
      install?: boolean;
      phaseTimeoutMs?: number;
    },
    emit: (event: { type: string; step?: string; title?: string; message?: string }) => void,
  ): Promise<{ manifestFile: string; started: readonly string[] }>;
  destroyLocal(layout: DeployLayout, purge: boolean, emit: (event: unknown) => void): Promise<unknown>;
  statusLocal(layout: DeployLayout): Promise<{
    components: readonly {
      name: string;
      kind: string;
      host: string;
      pid: number | undefined;
      role: string | undefined;
    }[];
  }>;
}

export async function loadDeploy(): Promise<DeployLib> {
  const entry = join(REPO, 'apps', 'deploy', 'dist', 'index.js');
  if (!existsSync(entry)) {
    execFileSync(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=@pgha/deploy...', '--output-logs=errors-only'],
      {
        cwd: REPO,
        stdio: 'pipe',
      },
    );
  }
  return (await import(pathToFileURL(entry).href)) as DeployLib;
}

// PostgreSQL helpers for integration tests: find the server binaries, run things as `postgres` when root.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** `/usr/lib/postgresql/<newest>/bin` (Debian 12: 15, Debian 13: 17); never hard-coded. */
export function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const v = versions.find((x) => existsSync(join(root, x, 'bin', 'initdb')));
  if (!v)
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt install postgresql)',
    );
  return join(root, v, 'bin');
}

export const asRoot = userInfo().uid === 0;

/** The uid/gid PostgreSQL and Patroni run as: `postgres` when we are root (PostgreSQL refuses root), else us. */
export function serviceOwner(): { uid: number; gid: number } | undefined {
  if (!asRoot) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export function own(path: string, owner = serviceOwner()): void {
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** Runs a PostgreSQL tool (as `postgres` when root) and returns its stdout. */
export function pgRun(tool: string, args: string[], env: Record<string, string> = {}): string {
  const cmd = join(pgBin(), tool);
  const e = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
  return asRoot
    ? execFileSync(
        'runuser',
        ['-u', 'postgres', '--', 'env', ...Object.entries(e).map(([k, v]) => `${k}=${v}`), cmd, ...args],
        {
          stdio: 'pipe',
        },
      ).toString()
    : execFileSync(cmd, args, { env: e, stdio: 'pipe' }).toString();
}

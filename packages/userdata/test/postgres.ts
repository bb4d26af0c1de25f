import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The newest PostgreSQL bin directory Debian installed (`/usr/lib/postgresql/<major>/bin`); never hard-coded. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'pg_ctl')))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  const major = majors[0];
  if (major === undefined)
    throw new Error(`no PostgreSQL under ${root}; install Debian's postgresql package`);
  return join(root, String(major), 'bin');
}

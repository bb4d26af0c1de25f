import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A workspace package that is published: not `private`. */
export interface PublishablePackage {
  readonly name: string;
  readonly version: string;
  /** Absolute directory. */
  readonly dir: string;
  /** Directory relative to the workspace root, POSIX separators (`packages/pki`). */
  readonly path: string;
}

export const WORKSPACE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Every non-private package of the workspace, as pnpm lists it (so a package added under any workspace glob is
 * covered without touching this test). In a git checkout, a package whose package.json is not tracked yet is
 * someone's work in progress and is left out until it lands; `skipped` names those.
 */
export function publishablePackages(root = WORKSPACE_ROOT): {
  packages: PublishablePackage[];
  skipped: string[];
} {
  const listed = JSON.parse(
    execFileSync('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' }),
  ) as Array<{ name?: string; version?: string; path: string; private?: boolean }>;
  const tracked = trackedManifests(root);
  const packages: PublishablePackage[] = [];
  const skipped: string[] = [];
  for (const p of listed) {
    const manifest = JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
      private?: boolean;
    };
    if (manifest.private === true || manifest.name === undefined) continue;
    const path = relative(root, p.path).split('\\').join('/');
    if (tracked !== undefined && !tracked.has(`${path}/package.json`)) {
      skipped.push(`${manifest.name} (${path}: package.json not tracked by git yet)`);
      continue;
    }
    packages.push({ name: manifest.name, version: manifest.version ?? '0.0.0', dir: p.path, path });
  }
  return { packages: packages.sort((a, b) => a.name.localeCompare(b.name)), skipped };
}

function trackedManifests(root: string): Set<string> | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '--', '*package.json'], { cwd: root, encoding: 'utf8' });
    return new Set(out.split('\n').filter(Boolean));
  } catch {
    return undefined; // not a git checkout (a source tarball): every package counts
  }
}

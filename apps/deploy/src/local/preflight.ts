import { execFile, spawn } from 'node:child_process';
import { access, constants, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeployError } from '../errors.js';
import type { Emit } from '../events.js';

const run = promisify(execFile);

/** Debian packages that provide everything the local target runs. */
export const DEBIAN_PACKAGES = ['etcd-server', 'etcd-client', 'patroni', 'haproxy', 'postgresql'] as const;

export interface Binaries {
  readonly etcd: string;
  readonly etcdctl: string;
  /** Debian's /usr/bin/patroni: its shebang names the system python that has Patroni's modules. */
  readonly patroni: string;
  readonly haproxy: string;
  /** e.g. /usr/lib/postgresql/15/bin */
  readonly postgresBinDir: string;
  readonly versions: {
    readonly etcd: string;
    readonly patroni: string;
    readonly haproxy: string;
    readonly postgres: number;
  };
}

const SEARCH_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/bin', '/sbin'];

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findBinary(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

/** Installed PostgreSQL major versions with a server binary, newest first (Debian layout). */
export async function installedPostgresVersions(root = '/usr/lib/postgresql'): Promise<number[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const versions: number[] = [];
  for (const entry of entries) {
    if (/^\d+$/.test(entry) && (await executable(join(root, entry, 'bin', 'postgres')))) {
      versions.push(Number(entry));
    }
  }
  return versions.sort((a, b) => b - a);
}

async function versionOf(binary: string, args: string[], pattern: RegExp): Promise<string> {
  const { stdout, stderr } = await run(binary, args, { timeout: 15_000, env: { PATH: '/usr/bin:/bin' } });
  const match = pattern.exec(`${stdout}\n${stderr}`);
  return match?.[1] ?? 'unknown';
}

interface Missing {
  readonly what: string;
  readonly pkg: string;
}

async function locate(
  postgresVersion: number | undefined,
): Promise<{ found?: Binaries; missing: Missing[] }> {
  const path = process.env.PATH?.split(':') ?? [];
  const dirs = [...SEARCH_DIRS, ...path.filter((d) => !SEARCH_DIRS.includes(d))];
  const missing: Missing[] = [];
  const etcd = await findBinary('etcd', dirs);
  if (!etcd) missing.push({ what: 'etcd', pkg: 'etcd-server' });
  const etcdctl = await findBinary('etcdctl', dirs);
  if (!etcdctl) missing.push({ what: 'etcdctl', pkg: 'etcd-client' });
  // Only the system patroni: a patroni on a pyenv/virtualenv PATH lacks the distro's modules.
  const patroni = await findBinary('patroni', SEARCH_DIRS);
  if (!patroni) missing.push({ what: 'patroni', pkg: 'patroni' });
  const haproxy = await findBinary('haproxy', dirs);
  if (!haproxy) missing.push({ what: 'haproxy', pkg: 'haproxy' });
  const installed = await installedPostgresVersions();
  let pg: number | undefined;
  if (postgresVersion === undefined) {
    pg = installed[0];
    if (pg === undefined) missing.push({ what: 'PostgreSQL server', pkg: 'postgresql' });
  } else if (installed.includes(postgresVersion)) {
    pg = postgresVersion;
  } else {
    missing.push({ what: `PostgreSQL ${postgresVersion} server`, pkg: `postgresql-${postgresVersion}` });
  }
  if (missing.length > 0 || !etcd || !etcdctl || !patroni || !haproxy || pg === undefined) return { missing };
  const postgresBinDir = `/usr/lib/postgresql/${pg}/bin`;
  const [etcdVersion, patroniVersion, haproxyVersion] = await Promise.all([
    versionOf(etcd, ['--version'], /etcd Version: (\S+)/),
    versionOf(patroni, ['--version'], /patroni (\S+)/),
    versionOf(haproxy, ['-v'], /version (\S+)/),
  ]);
  return {
    found: {
      etcd,
      etcdctl,
      patroni,
      haproxy,
      postgresBinDir,
      versions: { etcd: etcdVersion, patroni: patroniVersion, haproxy: haproxyVersion, postgres: pg },
    },
    missing,
  };
}

export interface FindOptions {
  readonly postgresVersion?: number | undefined;
  /** Install missing Debian packages when running as root with apt-get (default true). */
  readonly install: boolean;
  readonly asRoot: boolean;
}

/**
 * Find etcd, etcdctl, patroni, haproxy and the PostgreSQL binaries. When some are missing and this runs as
 * root on a machine with apt-get, install them; otherwise fail with the exact command to run.
 */
export async function findBinaries(options: FindOptions, emit: Emit): Promise<Binaries> {
  let result = await locate(options.postgresVersion);
  if (result.found) return result.found;
  const packages = [...new Set(result.missing.map((m) => m.pkg))];
  const command = `apt-get install -y ${packages.join(' ')}`;
  const what = result.missing.map((m) => m.what).join(', ');
  const canInstall = options.install && options.asRoot && (await executable('/usr/bin/apt-get'));
  if (!canInstall) {
    throw new DeployError('BINARY_MISSING', `not installed: ${what}`, {
      hint: `install them with: ${options.asRoot ? '' : 'sudo '}${command}`,
    });
  }
  emit({ type: 'progress', step: 'preflight', message: `installing ${packages.join(' ')} (apt-get)` });
  await aptGet(['update', '-q'], emit);
  await aptGet(['install', '-y', '-q', ...packages], emit);
  result = await locate(options.postgresVersion);
  if (result.found) return result.found;
  throw new DeployError('BINARY_MISSING', `still not installed after apt-get: ${what}`, {
    hint: `run '${command}' by hand and read its errors`,
  });
}

function aptGet(args: string[], emit: Emit): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) {
        if (/^(Get:|Unpacking|Setting up)/.test(line))
          emit({ type: 'progress', step: 'preflight', message: line });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new DeployError('BINARY_MISSING', `apt-get ${args.join(' ')} failed with exit code ${code}`, {
              hint: `its last output:\n${tail}`,
            }),
          ),
    );
  });
}

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RehearsalError } from './errors.js';

const exec = promisify(execFile);

/** The suite the instances' root filesystem is built from: the `debian-13` AMI the example config names. */
export const ROOTFS_SUITE = 'trixie';
export const ROOTFS_ARCHIVE = 'http://deb.debian.org/debian';

/**
 * What the root filesystem holds besides minbase: what a Debian 13 cloud image has that the boot path uses
 * (systemd as PID 1, cloud-init, iproute2, curl, the AWS CLI and its Python, e2fsprogs for mkfs.ext4,
 * util-linux for blkid and mountpoint, procps).
 */
export const ROOTFS_INCLUDE = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'cloud-init',
  'iproute2',
  'curl',
  'ca-certificates',
  'awscli',
  'e2fsprogs',
  'util-linux',
  'procps',
  'python3',
] as const;

/** Bumped when the build itself changes, so an old cache entry is never taken for a new one. */
const BUILD_FORMAT = 1;

/** A built root filesystem and the package repository its instances install from. */
export interface CachedRootfs {
  /** `<cacheDir>/rootfs-<key>`: holds `rootfs/` and `debs/`. */
  readonly dir: string;
  readonly key: string;
  /** The root filesystem (read-only lower layer of every instance). */
  readonly rootfs: string;
  /** A flat apt repository (`Packages` and the .deb files) with every package the user-data installs. */
  readonly repo: string;
  /** The packages asked for (the union of the user-data's `apt-get install` lists). */
  readonly packages: readonly string[];
  /** False when the cache already held it (nothing downloaded). */
  readonly built: boolean;
  readonly debs: number;
}

/** The cache key: suite, included packages, the repository's packages and the build format. */
export function rootfsKey(packages: readonly string[]): string {
  const doc = JSON.stringify({
    format: BUILD_FORMAT,
    suite: ROOTFS_SUITE,
    include: [...ROOTFS_INCLUDE],
    packages: [...new Set(packages)].sort(),
  });
  return createHash('sha256').update(doc).digest('hex').slice(0, 16);
}

/**
 * The packages the component script of one user-data installs: its `set -- ...` line (single-quoted words,
 * as the template writes them). Empty when the user-data carries no install script.
 */
export function installedPackages(userData: string): string[] {
  const line = /^[ \t]*set --((?: '[^']*')+)$/m.exec(userData);
  if (line === null) return [];
  return [...(line[1] as string).matchAll(/'([^']*)'/g)].map((m) => m[1] as string);
}

/** One Packages stanza for a .deb: its control fields, then where it is, its size and SHA256. */
async function packagesStanza(repo: string, file: string): Promise<string> {
  const path = join(repo, file);
  const [{ stdout }, bytes] = await Promise.all([exec('dpkg-deb', ['-f', path]), readFile(path)]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return `${stdout.trimEnd()}\nFilename: ./${file}\nSize: ${bytes.length}\nSHA256: ${sha256}\n`;
}

/** Write `Packages` for the flat repository in `repo` (every .deb there). */
export async function writePackagesIndex(repo: string): Promise<number> {
  const debs = (await readdir(repo)).filter((f) => f.endsWith('.deb')).sort();
  const stanzas: string[] = [];
  for (const deb of debs) stanzas.push(await packagesStanza(repo, deb));
  await writeFile(join(repo, 'Packages'), stanzas.join('\n'));
  return debs.length;
}

/** Run a command, each output line to `onLine`; a non-zero exit is an error naming its last lines. */
function runLogged(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  onLine: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const take = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        tail.push(l);
        if (tail.length > 12) tail.shift();
        onLine(l);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('close', (code) => {
      if (partial) onLine(partial);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}:\n    ${tail.join('\n    ')}`));
    });
  });
}

/**
 * The instances' Debian 13 root filesystem and their package repository, built once per key and cached in
 * `<cacheDir>/rootfs-<key>`: `mmdebstrap --variant=minbase` with {@link ROOTFS_INCLUDE}, and in the same chroot
 * `apt-get install --download-only` of `packages`, whose .debs (what the root filesystem lacks of them, with
 * their dependencies) become a flat repository. Only this step reaches Debian's archive, from the host; a
 * second rehearsal with the same packages downloads nothing. A build is made beside the cache entry and
 * renamed into place, so an interrupted build never looks finished.
 */
export async function ensureRootfs(options: {
  readonly cacheDir: string;
  readonly packages: readonly string[];
  readonly mmdebstrap: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onLine: (line: string) => void;
}): Promise<CachedRootfs> {
  const packages = [...new Set(options.packages)].sort();
  for (const p of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p))
      throw new Error(`not a Debian package name in the user-data: ${JSON.stringify(p)}`);
  }
  const key = rootfsKey(packages);
  const dir = join(options.cacheDir, `rootfs-${key}`);
  const result = async (built: boolean): Promise<CachedRootfs> => ({
    dir,
    key,
    rootfs: join(dir, 'rootfs'),
    repo: join(dir, 'debs'),
    packages,
    built,
    debs: (await readdir(join(dir, 'debs'))).filter((f) => f.endsWith('.deb')).length,
  });
  if (existsSync(join(dir, 'complete'))) return result(false);

  await mkdir(options.cacheDir, { recursive: true, mode: 0o755 });
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(join(building, 'debs'), { recursive: true });
  const debs = join(building, 'debs');
  try {
    const env: Record<string, string> = {
      PATH: options.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      ...(options.env.TMPDIR === undefined ? {} : { TMPDIR: options.env.TMPDIR }),
    };
    await runLogged(
      options.mmdebstrap,
      [
        '--variant=minbase',
        `--include=${ROOTFS_INCLUDE.join(',')}`,
        // The packages the user-data installs, downloaded (not installed) with their dependencies.
        ...(packages.length === 0
          ? []
          : [
              `--customize-hook=chroot "$1" apt-get install --download-only -y -q ${packages.join(' ')}`,
              `--customize-hook=cp "$1"/var/cache/apt/archives/*.deb ${debs}/`,
            ]),
        ROOTFS_SUITE,
        join(building, 'rootfs'),
        ROOTFS_ARCHIVE,
      ],
      env,
      options.onLine,
    );
    await writePackagesIndex(debs);
    await writeFile(
      join(building, 'complete'),
      `${JSON.stringify({ key, suite: ROOTFS_SUITE, include: ROOTFS_INCLUDE, packages, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    try {
      await rename(building, dir);
    } catch (error) {
      // Another rehearsal finished the same key first: take its build.
      if (!existsSync(join(dir, 'complete'))) throw error;
      await rm(building, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw new RehearsalError(
      'PROCESS_DIED',
      `building the instances' root filesystem failed: ${(error as Error).message}`,
      {
        hint: `mmdebstrap needs Debian's archive (${ROOTFS_ARCHIVE}) from this host; nothing was cached in ${options.cacheDir}`,
        cause: error,
      },
    );
  }
  return result(true);
}

/** The size of a tree in bytes (du), for the report. */
export async function treeBytes(dir: string): Promise<number> {
  const { stdout } = await exec('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path)
    .then((s) => s.isDirectory())
    .catch(() => false);
}

/** The packages the instances' user-data installs, all together (the root filesystem's cache key). */
export async function rehearsalPackages(
  instances: readonly { readonly userDataFile: string }[],
): Promise<string[]> {
  const packages = new Set<string>();
  for (const i of instances)
    for (const p of installedPackages(await readFile(i.userDataFile, 'utf8'))) packages.add(p);
  return [...packages];
}

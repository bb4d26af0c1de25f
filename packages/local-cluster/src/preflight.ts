import { execFile, spawn } from 'node:child_process';
import { access, constants, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  assessComponents,
  type ComponentFinding,
  type ComponentInstallRequest,
  componentPackages,
  componentPolicy,
  type HostOs,
  hostOsFromOsRelease,
  PATRONI_MINIMUM,
  renderComponentInstallScript,
} from '@pgha/userdata';
import { LocalClusterError } from './errors.js';
import type { LocalClusterEventListener } from './events.js';
import { type HintNames, LIBRARY_HINT_NAMES } from './hint-names.js';

const run = promisify(execFile);

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
  /** The host OS as the component policy knows it; undefined for another OS. */
  readonly os: HostOs | undefined;
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
  readonly kind: 'etcd' | 'patroni' | 'haproxy' | 'postgres';
  readonly what: string;
  readonly pkg: string;
}

async function locate(
  postgresVersion: number | undefined,
  env: Environment,
): Promise<{ found?: Omit<Binaries, 'os'>; missing: Missing[] }> {
  const path = env.PATH?.split(':') ?? [];
  const dirs = [...SEARCH_DIRS, ...path.filter((d) => !SEARCH_DIRS.includes(d))];
  const missing: Missing[] = [];
  const etcd = await findBinary('etcd', dirs);
  if (!etcd) missing.push({ kind: 'etcd', what: 'etcd', pkg: 'etcd-server' });
  const etcdctl = await findBinary('etcdctl', dirs);
  if (!etcdctl) missing.push({ kind: 'etcd', what: 'etcdctl', pkg: 'etcd-client' });
  // Only the system patroni: a patroni on a pyenv/virtualenv PATH lacks the distro's modules.
  const patroni = await findBinary('patroni', SEARCH_DIRS);
  if (!patroni) missing.push({ kind: 'patroni', what: 'patroni', pkg: 'patroni' });
  const haproxy = await findBinary('haproxy', dirs);
  if (!haproxy) missing.push({ kind: 'haproxy', what: 'haproxy', pkg: 'haproxy' });
  const installed = await installedPostgresVersions();
  let pg: number | undefined;
  if (postgresVersion === undefined) {
    pg = installed[0];
    if (pg === undefined) missing.push({ kind: 'postgres', what: 'PostgreSQL server', pkg: 'postgresql' });
  } else if (installed.includes(postgresVersion)) {
    pg = postgresVersion;
  } else {
    missing.push({
      kind: 'postgres',
      what: `PostgreSQL ${postgresVersion} server`,
      pkg: `postgresql-${postgresVersion}`,
    });
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

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Runs the component policy's install script (bash that calls apt-get; as root) with `env`, hands its output
 * to `onOutput` as it comes, and resolves its exit code (`null`: killed by a signal).
 */
export type Installer = (
  script: string,
  env: Environment,
  onOutput: (chunk: string) => void,
) => Promise<number | null>;

/** How the components are installed unless told otherwise: `bash -s`, the script on its stdin. */
export const bashInstaller: Installer = (script, env, onOutput) =>
  new Promise((resolve, reject) => {
    const child = spawn('bash', ['-s'], { env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
    child.stdin.end(script);
  });

/** What finding and installing the components may use of the machine. */
export interface InstallOptions {
  /**
   * The environment: its `PATH` is searched after the system directories, and the installer runs with it
   * (plus `DEBIAN_FRONTEND=noninteractive`). @default - this process's environment
   */
  readonly env?: Environment | undefined;
  /** Runs the install script. @default bashInstaller */
  readonly installer?: Installer | undefined;
}

export interface FindOptions extends InstallOptions {
  readonly postgresVersion?: number | undefined;
  /** Install missing or unsafe components the component policy's way when root with apt-get (default true). */
  readonly install: boolean;
  readonly asRoot: boolean;
  /** Run a set the policy refuses (a Patroni without patroni/patroni#2689), with a warning. */
  readonly allowUnsafe?: boolean;
  /** How the hints name what to do next. @default LIBRARY_HINT_NAMES */
  readonly hintNames?: HintNames | undefined;
  /** The host OS; default: read from /etc/os-release. `null`: an OS the policy does not know. */
  readonly os?: HostOs | null;
}

/** The {@link HostOs} of this machine, from /etc/os-release; undefined for an OS the policy does not know. */
export async function hostOs(osRelease = '/etc/os-release'): Promise<HostOs | undefined> {
  const text = await readFile(osRelease, 'utf8').catch(() => '');
  return hostOsFromOsRelease(text);
}

/**
 * Find etcd, etcdctl, patroni, haproxy and the PostgreSQL binaries, and hold their versions to the component
 * policy of @pgha/userdata. What is missing, or refused by the policy (a Patroni without #2689), is installed
 * by the policy's own install script (the one EC2 instances run at boot) when this runs as root on an OS the
 * policy knows; otherwise the error gives the command. A refused set that stays is an error (exit 2) unless
 * `allowUnsafe`, then a warning; etcd 3.4 is a warning.
 */
export async function findBinaries(options: FindOptions, emit: LocalClusterEventListener): Promise<Binaries> {
  const os = options.os === null ? undefined : (options.os ?? (await hostOs()));
  const env = options.env ?? process.env;
  const names = options.hintNames ?? LIBRARY_HINT_NAMES;
  let result = await locate(options.postgresVersion, env);
  let refused = result.found ? refusedFindings(result.found) : [];
  if (!result.found || refused.length > 0) {
    const request = installRequest(result.missing, refused, options.postgresVersion, os);
    const canInstall =
      options.install && options.asRoot && os !== undefined && (await executable('/usr/bin/apt-get'));
    if (canInstall && request !== undefined) {
      await installComponents(os, request, emit, options);
      result = await locate(options.postgresVersion, env);
      refused = result.found ? refusedFindings(result.found) : [];
    }
    if (!result.found) {
      const policyOs = request === undefined ? undefined : os;
      throw missingError(
        result.missing,
        options.asRoot,
        canInstall === true && request !== undefined,
        policyOs,
        names,
      );
    }
  }
  const found = result.found;
  if (refused.length > 0 && options.allowUnsafe !== true) {
    throw new LocalClusterError(
      'COMPONENT_UNSAFE',
      `the installed components are refused by pgha's component policy:\n  - ${refused.map((f) => f.message).join('\n  - ')}`,
      {
        hint:
          os === undefined
            ? `install Patroni >= ${PATRONI_MINIMUM} and etcd 3.5 from your OS's packages; or run it anyway with ${names.option('allowUnsafe')}`
            : `${names.install()} installs the policy's set for ${os} (a deploy as root does it itself); or run this set anyway with ${names.option('allowUnsafe')}`,
      },
    );
  }
  for (const finding of assessComponents(found.versions)) {
    emit({
      type: 'warning',
      message:
        finding.severity === 'refuse'
          ? `running anyway (${names.option('allowUnsafe')}): ${finding.message}`
          : finding.message,
    });
  }
  return { ...found, os };
}

function refusedFindings(found: Omit<Binaries, 'os'>): ComponentFinding[] {
  return assessComponents(found.versions).filter((f) => f.severity === 'refuse');
}

/** What to ask the policy's install script for: the missing components and the refused ones. */
function installRequest(
  missing: readonly Missing[],
  refused: readonly ComponentFinding[],
  postgresVersion: number | undefined,
  os: HostOs | undefined,
): ComponentInstallRequest | undefined {
  if (os === undefined) return undefined;
  const need = (kind: Missing['kind']) => missing.some((m) => m.kind === kind);
  const policy = componentPolicy(os);
  const pg = need('postgres') ? (postgresVersion ?? policy.defaultPostgresVersion) : undefined;
  // A PostgreSQL the suite does not ship (postgresql-29) is not the policy's to install.
  if (pg !== undefined && !policy.postgresVersions.includes(pg)) return undefined;
  return {
    etcd: need('etcd') || refused.some((f) => f.component === 'etcd'),
    patroni: need('patroni') || refused.some((f) => f.component === 'patroni'),
    haproxy: need('haproxy'),
    postgresVersion: pg,
  };
}

/** `policyOs`: the OS whose component policy can install what is missing; undefined: plain apt-get. */
function missingError(
  missing: readonly Missing[],
  asRoot: boolean,
  triedInstall: boolean,
  policyOs: HostOs | undefined,
  names: HintNames,
) {
  const what = missing.map((m) => m.what).join(', ');
  const packages = [...new Set(missing.map((m) => m.pkg))];
  const command = `${asRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
  if (triedInstall) {
    return new LocalClusterError(
      'BINARY_MISSING',
      `still not installed after the component install: ${what}`,
      {
        hint: `read the apt-get output above; then run '${command}' by hand`,
      },
    );
  }
  return new LocalClusterError('BINARY_MISSING', `not installed: ${what}`, {
    hint: policyOs
      ? `${names.install()} installs them the component policy's way for ${policyOs} (a deploy as root does it itself)`
      : `install them with: ${command}`,
  });
}

/**
 * Run the component policy's install script (the same one EC2 instances run at boot) and say what it did:
 * apt's progress lines, and on Debian 12 which file added the pinned trixie source and how to remove it.
 */
export async function installComponents(
  os: HostOs,
  request: ComponentInstallRequest,
  emit: LocalClusterEventListener,
  options: InstallOptions = {},
): Promise<void> {
  const script = renderComponentInstallScript(os, request);
  const packages = componentPackages(os, request);
  emit({
    type: 'progress',
    step: 'preflight',
    message: `installing ${packages.join(' ')} (component policy for ${os})`,
  });
  await runScript(script, emit, options);
  const pin = componentPolicy(os).pinnedSuite;
  if (pin && packages.some((p) => p.endsWith(`/${pin.suite}`))) {
    emit({
      type: 'notice',
      message:
        `the component policy takes ${pin.packages.join(', ')} from Debian ${pin.suite} (with the newer python3-click, ` +
        `python3-prettytable and python3-ydiff Patroni 4 needs): ${pin.sourcesFile} adds the suite and ${pin.preferencesFile} ` +
        `pins it at priority ${pin.priority}, so nothing else comes from it unless named. To remove the source: ` +
        `rm ${pin.sourcesFile} ${pin.preferencesFile} && apt-get update (installed packages stay)`,
    });
  }
}

async function runScript(
  script: string,
  emit: LocalClusterEventListener,
  options: InstallOptions,
): Promise<void> {
  const installer = options.installer ?? bashInstaller;
  let tail = '';
  const code = await installer(
    script,
    { ...(options.env ?? process.env), DEBIAN_FRONTEND: 'noninteractive' },
    (chunk) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) {
        if (/^(pgha-components:|Get:|Unpacking|Setting up)/.test(line))
          emit({ type: 'progress', step: 'preflight', message: line });
      }
    },
  );
  if (code !== 0) {
    throw new LocalClusterError('BINARY_MISSING', `the component install failed with exit code ${code}`, {
      hint: `its last output:\n${tail}`,
    });
  }
}

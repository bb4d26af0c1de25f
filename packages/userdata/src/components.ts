import { type Problem, UserdataError } from './errors.js';
import { COMPONENTS_INSTALL_SCRIPT, compile } from './private/templates.js';
import { atLeast, parseVersion, type Version } from './private/version.js';

/**
 * The component policy: which etcd, Patroni, PostgreSQL and HAProxy pgha runs, where each comes from, and
 * which versions it accepts. One policy for both targets: deploy's preflight (local) and the cloud-init
 * documents (EC2) install through the same script, {@link renderComponentInstallScript}.
 *
 * Measured 2026-12-05 (docs/components.md): Debian 12 ships Patroni 3.0.2, which lacks patroni/patroni#2689
 * (a primary frozen past the ttl can take the leader key back when it resumes; the freeze drill lost
 * acknowledged writes with it), and etcd 3.4.23 (3.4 is end of life). Debian 13's Patroni 4.0.7 and etcd
 * 3.5.16 install on Debian 12 from a trixie source pinned at priority 100 and take nothing else from trixie
 * but python3-ydiff. PostgreSQL and HAProxy stay the host suite's own (trixie's need trixie's libc).
 */

/** An operating system pgha installs components on: the local machine's, or the AMI's on AWS. */
export type HostOs = 'debian-12' | 'debian-13';

export const HOST_OSES: readonly HostOs[] = ['debian-12', 'debian-13'];

/** A second suite, pinned low, that named packages come from. */
export interface PinnedSuite {
  /** Debian codename, e.g. `trixie`. */
  readonly suite: string;
  /** Pin-Priority: below 500, so nothing is taken from the suite unless named as `package/suite`. */
  readonly priority: number;
  /** deb822 source file the install script writes. */
  readonly sourcesFile: string;
  /** apt preferences file with the pin. */
  readonly preferencesFile: string;
  /** Packages installed as `name/suite`. */
  readonly packages: readonly string[];
}

/** Where each component comes from on one OS, and what that gives. */
export interface ComponentPolicy {
  readonly os: HostOs;
  /** The host suite's codename. */
  readonly codename: string;
  /** PostgreSQL major versions the suite ships (`postgresql-N`); the first is the default. */
  readonly postgresVersions: readonly number[];
  readonly defaultPostgresVersion: number;
  /** What the policy installs (the archive's versions when measured; apt may serve a newer patch). */
  readonly versions: { readonly etcd: string; readonly patroni: string; readonly haproxy: string };
  /** Present when some packages come from another suite. */
  readonly pinnedSuite?: PinnedSuite;
}

const TRIXIE_PIN: PinnedSuite = {
  suite: 'trixie',
  priority: 100,
  sourcesFile: '/etc/apt/sources.list.d/pgha-trixie.sources',
  preferencesFile: '/etc/apt/preferences.d/pgha-trixie.pref',
  packages: ['patroni', 'etcd-server', 'etcd-client'],
};

const POLICIES: Readonly<Record<HostOs, ComponentPolicy>> = {
  'debian-12': {
    os: 'debian-12',
    codename: 'bookworm',
    postgresVersions: [15],
    defaultPostgresVersion: 15,
    versions: { etcd: '3.5.16', patroni: '4.0.7', haproxy: '2.6.12' },
    pinnedSuite: TRIXIE_PIN,
  },
  'debian-13': {
    os: 'debian-13',
    codename: 'trixie',
    postgresVersions: [17],
    defaultPostgresVersion: 17,
    versions: { etcd: '3.5.16', patroni: '4.0.7', haproxy: '3.0.11' },
  },
};

/** The lowest Patroni pgha runs without an explicit opt-in: the first release with patroni/patroni#2689. */
export const PATRONI_MINIMUM = '3.0.3';
/** etcd below this is end of life upstream (3.4 ran its course in 2026); it runs with a warning. */
export const ETCD_PREFERRED = '3.5.0';
/** etcd below this is refused: Patroni's etcd3 support needs the v3 gateway of 3.4 or later. */
export const ETCD_MINIMUM = '3.4.0';

/** The policy for one OS; throws INVALID_OPTIONS naming the OSes there are. */
export function componentPolicy(os: HostOs): ComponentPolicy {
  const policy = (POLICIES as Record<string, ComponentPolicy | undefined>)[os];
  if (policy === undefined) {
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'no component policy for this OS', [
      { path: 'os', value: os, message: `use one of ${HOST_OSES.map((o) => `"${o}"`).join(', ')}` },
    ]);
  }
  return policy;
}

/**
 * The {@link HostOs} an `/etc/os-release` text describes, or undefined for any other OS (Ubuntu included:
 * its Patroni 3.2.2 and etcd 3.4.30 have not been run by pgha, so no policy claims them).
 */
export function hostOsFromOsRelease(osRelease: string): HostOs | undefined {
  const field = (name: string) =>
    new RegExp(`^${name}=("?)([^"\\n]*)\\1$`, 'm').exec(osRelease)?.[2]?.trim() ?? undefined;
  if (field('ID') !== 'debian') return undefined;
  const version = field('VERSION_ID');
  const codename = field('VERSION_CODENAME');
  if (version === '12' || codename === 'bookworm') return 'debian-12';
  if (version === '13' || codename === 'trixie') return 'debian-13';
  return undefined;
}

/** Versions found on a host (or planned for one); a missing component is left out. */
export interface ComponentVersions {
  readonly etcd?: string | undefined;
  readonly patroni?: string | undefined;
  readonly postgres?: number | undefined;
  readonly haproxy?: string | undefined;
}

/** One verdict about an installed version: `refuse` stops a deploy unless the user opts in; `warn` is said. */
export interface ComponentFinding {
  readonly component: 'etcd' | 'patroni' | 'postgres';
  readonly version: string;
  readonly severity: 'refuse' | 'warn';
  /** What is wrong, why it matters, and what to do. */
  readonly message: string;
}

/**
 * Check versions against the policy's rules. Patroni without patroni/patroni#2689 and etcd before 3.4 are
 * refused; etcd 3.4 is a warning naming its end of life. Unreadable versions are refused (say which).
 */
export function assessComponents(versions: ComponentVersions): ComponentFinding[] {
  const findings: ComponentFinding[] = [];
  if (versions.patroni !== undefined) {
    const v = looseVersion(versions.patroni);
    if (v === undefined || !atLeastVersion(v, PATRONI_MINIMUM)) {
      findings.push({
        component: 'patroni',
        version: versions.patroni,
        severity: 'refuse',
        message:
          `Patroni ${versions.patroni} lacks patroni/patroni#2689 (first released in ${PATRONI_MINIMUM}): a primary ` +
          'frozen longer than the ttl can take the leader key back when it resumes, and the writes the promoted ' +
          'replica acknowledged are lost (the freeze drill lost them in 5 of 8 trials with 3.0.2). Install ' +
          `Patroni >= ${PATRONI_MINIMUM} (the component policy does: Patroni 4.0.7)`,
      });
    }
  }
  if (versions.etcd !== undefined) {
    const v = looseVersion(versions.etcd);
    if (v === undefined || v.major !== 3 || !atLeastVersion(v, ETCD_MINIMUM)) {
      findings.push({
        component: 'etcd',
        version: versions.etcd,
        severity: 'refuse',
        message: `etcd ${versions.etcd} is not supported: Patroni's etcd3 support needs etcd ${ETCD_MINIMUM} or later in 3.x`,
      });
    } else if (!atLeastVersion(v, ETCD_PREFERRED)) {
      findings.push({
        component: 'etcd',
        version: versions.etcd,
        severity: 'warn',
        message: `etcd ${versions.etcd}: the 3.4 series is end of life upstream (no security fixes); install etcd 3.5 (the component policy does: 3.5.16)`,
      });
    }
  }
  if (versions.postgres !== undefined && versions.postgres < 13) {
    findings.push({
      component: 'postgres',
      version: String(versions.postgres),
      severity: 'refuse',
      message: `PostgreSQL ${versions.postgres} is end of life; pgha renders configuration for 13 and later`,
    });
  }
  return findings;
}

/**
 * Check a PostgreSQL major version against what an OS's suite ships; a problem naming `path` when it does
 * not (a Debian 13 AMI has no postgresql-15, and one failed package stops the whole boot).
 */
export function postgresVersionProblem(os: HostOs, version: number, path: string): Problem | undefined {
  const policy = componentPolicy(os);
  if (policy.postgresVersions.includes(version)) return undefined;
  return {
    path,
    value: version,
    message: `${os} ships PostgreSQL ${policy.postgresVersions.join(', ')} only (no postgresql-${version}); use ${policy.defaultPostgresVersion} or leave it out`,
  };
}

/** What {@link renderComponentInstallScript} installs. */
export interface ComponentInstallRequest {
  /** etcd-server and etcd-client. */
  readonly etcd?: boolean;
  readonly patroni?: boolean;
  readonly haproxy?: boolean;
  /** `postgresql-N` (and its client); leave out to install no PostgreSQL. */
  readonly postgresVersion?: number | undefined;
  /** More packages of the host's own suite (e.g. `awscli`, `curl`). */
  readonly extraPackages?: readonly string[];
}

/** The `apt-get install` arguments for a request: pinned-suite packages as `name/suite`. */
export function componentPackages(os: HostOs, request: ComponentInstallRequest): string[] {
  const policy = componentPolicy(os);
  const names: string[] = [];
  if (request.etcd) names.push('etcd-server', 'etcd-client');
  // Patroni's etcd3 module imports python-etcd, but the package's dependency on it is an alternative that
  // python3-consul (a hard dependency) already satisfies: without naming it, Patroni finds no etcd support
  // ("Available implementations: consul, kubernetes") on a machine that never had it.
  if (request.patroni) names.push('patroni', 'python3-etcd');
  if (request.postgresVersion !== undefined) {
    const problem = postgresVersionProblem(os, request.postgresVersion, 'postgresVersion');
    if (problem) throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot install PostgreSQL', [problem]);
    names.push(`postgresql-${request.postgresVersion}`);
  }
  if (request.haproxy) names.push('haproxy');
  const problems: Problem[] = [];
  (request.extraPackages ?? []).forEach((name, i) => {
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/.test(name)) {
      problems.push({
        path: `extraPackages[${i}]`,
        value: name,
        message: 'give a Debian package name, optionally with =version',
      });
    } else names.push(name);
  });
  if (problems.length > 0)
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot render the package list', problems);
  const pinned = new Set(policy.pinnedSuite?.packages ?? []);
  return [...new Set(names)].map((n) => (pinned.has(n) ? `${n}/${policy.pinnedSuite?.suite}` : n));
}

const installScript = compile<{
  os: string;
  codename: string;
  pin: PinnedSuite | undefined;
  pinnedList: string;
  patroniMinimum: string;
  packages: string[];
  names: string[];
  patroni: boolean;
}>(COMPONENTS_INSTALL_SCRIPT);

/**
 * A bash script that installs the requested components the policy's way: on Debian 12 it writes the
 * pinned trixie source and its preferences (only when they differ, saying so), runs `apt-get update` and
 * one `apt-get install` with the pinned packages named `name/trixie`, then checks the installed Patroni
 * against {@link PATRONI_MINIMUM}. Run as root; exits non-zero on any failure.
 */
export function renderComponentInstallScript(os: HostOs, request: ComponentInstallRequest): string {
  const policy = componentPolicy(os);
  const packages = componentPackages(os, request);
  if (packages.length === 0) {
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'nothing to install', [
      { path: 'request', value: request, message: 'ask for at least one component or extra package' },
    ]);
  }
  const names = packages.map((p) => p.split(/[/=]/)[0] as string);
  const pinUsed = policy.pinnedSuite && packages.some((p) => p.includes('/'));
  return installScript({
    os,
    codename: policy.codename,
    pin: pinUsed ? policy.pinnedSuite : undefined,
    pinnedList: policy.pinnedSuite?.packages.join(', ') ?? '',
    patroniMinimum: PATRONI_MINIMUM,
    packages,
    names,
    patroni: request.patroni === true,
  });
}

/** `version` is `floor` (one of the constants above) or newer. */
function atLeastVersion(version: Version, floor: string): boolean {
  const f = parseVersion(floor) as Version;
  return atLeast(version, f.major, f.minor, f.patch);
}

/** `4.0.7`, `3.0.2`, also `3.5.16-4` or `4.0.7-1+b1` (the upstream part counts). */
function looseVersion(value: string) {
  const m = /^(\d+\.\d+(?:\.\d+)?)/.exec(value);
  return m ? parseVersion(m[1]) : undefined;
}

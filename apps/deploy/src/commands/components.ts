import { findBinaries, hostOs, installComponents, installedPostgresVersions } from '@pgha/local-cluster';
import { assessComponents, componentPolicy, type HostOs } from '@pgha/userdata';
import type { CommandFlags, FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { CLI_HINT_NAMES } from '../hints.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';

export const FLAGS = { install: { type: 'boolean' } } as const satisfies FlagTable;

/**
 * `components`: this OS's component policy (where etcd, Patroni, PostgreSQL and HAProxy come from), what is
 * installed, and the policy's verdict on it; `--install` (root) installs the policy's set with the same
 * script EC2 instances run at boot. Exit 0 when the installed set is one deploy accepts, 1 when not.
 */
export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const os = await hostOs();
  if (flags.install === true) {
    if (process.getuid?.() !== 0) {
      throw new DeployError('USAGE', 'components --install changes the system packages and needs root', {
        hint: 'run it as root (sudo), or read the policy without --install',
      });
    }
    if (os === undefined) {
      throw new DeployError('USAGE', 'this OS has no component policy (pgha knows Debian 12 and Debian 13)', {
        hint: 'install Patroni >= 3.0.3, etcd 3.5, PostgreSQL and HAProxy from your OS, then pnpm run deploy',
      });
    }
    const newestPostgres = (await installedPostgresVersions())[0];
    await installComponents(
      os,
      {
        etcd: true,
        patroni: true,
        haproxy: true,
        postgresVersion:
          newestPostgres === undefined ? componentPolicy(os).defaultPostgresVersion : undefined,
      },
      (event) => reporter.event(event),
    );
  }
  const found = await findBinaries(
    { install: false, asRoot: false, allowUnsafe: true, os: os ?? null, hintNames: CLI_HINT_NAMES },
    () => {},
  ).catch((error: unknown) => error as Error);
  const versions = found instanceof Error ? undefined : found.versions;
  const findings = versions ? assessComponents(versions) : [];
  const ok = versions !== undefined && !findings.some((f) => f.severity === 'refuse');
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok, version: 1, os: os ?? null, policy: os ? componentPolicy(os) : null, installed: versions ?? null, findings, ...(found instanceof Error ? { error: found.message } : {}) })}\n`,
    );
    return ok ? 0 : 1;
  }
  io.stdout.write(
    `${[...policyLines(os), '', ...installedLines(versions, found), ...findings.map((f) => `${f.severity === 'refuse' ? 'REFUSED' : 'warning'}: ${f.message}`), '', ok ? 'deploy accepts this set' : "deploy refuses this set (pnpm run components -- --install, as root, installs the policy's set)"].join('\n')}\n`,
  );
  return ok ? 0 : 1;
}

function policyLines(os: HostOs | undefined): string[] {
  if (os === undefined) {
    return [
      'OS: not one the component policy knows (Debian 12, Debian 13): the installed set is checked only',
    ];
  }
  const p = componentPolicy(os);
  const pinned = p.pinnedSuite;
  return [
    `OS: ${os} (${p.codename})`,
    `policy: etcd ${p.versions.etcd}, Patroni ${p.versions.patroni}${pinned ? ` (both from ${pinned.suite}, pinned at priority ${pinned.priority} in ${pinned.sourcesFile} and ${pinned.preferencesFile})` : ` (${p.codename})`}; PostgreSQL ${p.postgresVersions.join(', ')} and HAProxy ${p.versions.haproxy} (${p.codename})`,
  ];
}

function installedLines(
  versions: { etcd: string; patroni: string; postgres: number; haproxy: string } | undefined,
  found: unknown,
): string[] {
  if (!versions) return [`installed: incomplete (${(found as Error).message})`];
  return [
    `installed: etcd ${versions.etcd}, Patroni ${versions.patroni}, PostgreSQL ${versions.postgres}, HAProxy ${versions.haproxy}`,
  ];
}

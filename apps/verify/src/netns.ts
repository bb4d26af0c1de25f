import { spawn } from 'node:child_process';
import { readlink, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * A manifest of the local target's `--network netns` mode names the cluster's admin namespace: the cluster's
 * addresses exist only inside its network namespaces, so the CLI runs itself again in that one (nsenter,
 * root only) and reports what that run reports.
 */

/** True when this process runs in the named network namespace (same namespace inode). */
export async function insideNamespace(namespace: string): Promise<boolean> {
  const target = await stat(`/run/netns/${namespace}`).catch(() => undefined);
  if (!target) return false;
  return (await readlink('/proc/self/ns/net').catch(() => '')) === `net:[${target.ino}]`;
}

/** Why this process cannot enter the namespace ('' when it can). */
export async function cannotEnter(namespace: string, uid: number | undefined): Promise<string> {
  if (!(await stat(`/run/netns/${namespace}`).catch(() => undefined))) {
    return `the manifest's cluster runs in network namespaces, and its admin namespace ${namespace} does not exist (destroyed?); deploy the cluster again, then verify`;
  }
  if (uid !== 0) {
    return `the manifest's cluster runs in network namespaces (--network netns): verify enters its admin namespace ${namespace}, which needs root; run pgha-verify as root`;
  }
  return '';
}

const MARK = 'PGHA_VERIFY_NETNS_REEXEC';

/** Run pgha-verify with `argv` inside `namespace`; its exit code, its output written to `out`/`err`. */
export function runInNamespace(
  namespace: string,
  argv: readonly string[],
  io: {
    readonly stdout: { write(s: string): unknown };
    readonly stderr: { write(s: string): unknown };
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly cwd: string;
  },
): Promise<number> {
  if (io.env[MARK] === '1') throw new Error(`pgha-verify: re-executed, but not inside ${namespace}`);
  const bin = fileURLToPath(new URL('../bin/pgha-verify.js', import.meta.url));
  const child = spawn(
    '/usr/bin/nsenter',
    [`--net=/run/netns/${namespace}`, '--', process.execPath, bin, ...argv],
    {
      cwd: io.cwd,
      env: { ...io.env, [MARK]: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => io.stdout.write(d.toString()));
  child.stderr.on('data', (d: Buffer) => io.stderr.write(d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Units that installing etcd-server, patroni, haproxy and postgresql enables. Where systemd runs, they start
 * a stock etcd, HAProxy or PostgreSQL that may hold an address the local cluster needs.
 */
const DISTRO_UNIT = /^(etcd|haproxy|patroni(@[^/]+)?|postgresql(@[^/]+)?)\.service$/;

/** The systemd unit a process belongs to, from its cgroup path, if it is one of the distro units. */
export async function distroUnitOf(pid: number): Promise<string | undefined> {
  return unitFromCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => ''));
}

/** The distro unit named in a /proc/PID/cgroup text (cgroup v1 or v2), if any. */
export function unitFromCgroup(cgroup: string): string | undefined {
  for (const line of cgroup.split('\n')) {
    const unit = line.split('/').find((part) => DISTRO_UNIT.test(part));
    if (unit) return unit;
  }
  return undefined;
}

export async function systemdRunning(): Promise<boolean> {
  try {
    await access('/run/systemd/system');
    return true;
  } catch {
    return false;
  }
}

/** `systemctl disable --now UNIT`: stop it and keep it from starting at boot. */
export async function stopAndDisable(unit: string): Promise<void> {
  await run('systemctl', ['disable', '--now', unit], { timeout: 60_000 });
}

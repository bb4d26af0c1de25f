import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Who needs it, for messages: "etcd-1 client", "HAProxy primary". */
  readonly purpose: string;
}

export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

/** True when host:port can be bound right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function hexToIpv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

/**
 * Find the process listening on host:port (or on the wildcard address) through /proc/net/tcp and the
 * socket inodes in /proc/PID/fd. Returns undefined when it cannot tell (another user's process as non-root).
 */
export async function findListener(host: string, port: number): Promise<PortHolder | undefined> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      const inode = cols[9];
      if (local === undefined || state !== '0A' || inode === undefined) continue; // 0A = LISTEN
      const [addrHex, portHex] = local.split(':');
      if (addrHex === undefined || portHex === undefined || Number.parseInt(portHex, 16) !== port) continue;
      const addr = addrHex.length === 8 ? hexToIpv4(addrHex) : addrHex;
      if (addr === host || addr === '0.0.0.0' || /^0+$/.test(addr)) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] !== undefined && inodes.has(match[1])) {
        const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
        return { pid: Number(entry), command: cmdline.split('\0').filter(Boolean).join(' ') };
      }
    }
  }
  return undefined;
}

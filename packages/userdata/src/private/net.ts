import { isIP } from 'node:net';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** True for an IPv4/IPv6 literal or an RFC 1123 host name (no trailing dot). */
export function isHost(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (value.length === 0 || value.length > 253) return false;
  // A name made only of digits and dots is a malformed IPv4 address, not a host name.
  if (/^[0-9.]+$/.test(value)) return false;
  return value.split('.').every((label) => LABEL.test(label));
}

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** `host:port`, with IPv6 literals bracketed as URLs and Patroni/HAProxy expect. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for `a.b.c.d/n` or an IPv6 prefix, with the prefix length in range. */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  const n = Number(bits);
  return family === 4 ? n <= 32 : n <= 128;
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

import { Token } from 'cdktf';

/** One validation rule: returns a problem line ("prop: value given; fix") or undefined when it holds. */
export type Rule<P> = (props: P) => string | readonly string[] | undefined;

/** Runs every rule and returns all problems (not only the first). */
export function collectProblems<P>(props: P, rules: readonly Rule<P>[]): string[] {
  const problems: string[] = [];
  for (const rule of rules) {
    const problem = rule(props);
    if (typeof problem === 'string') problems.push(problem);
    else if (problem !== undefined) problems.push(...problem);
  }
  return problems;
}

/** True when the value is (or contains) an unresolved cdktf token; such values are not validated. */
export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string') return Token.isUnresolved(value);
  if (typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value);
  return false;
}

/** Renders a value the user gave, for an error message. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** True for a syntactically valid IPv4 CIDR block. */
export function isIpv4Cidr(value: string): boolean {
  const m = IPV4_CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  return octets.every((o) => o >= 0 && o <= 255) && bits >= 0 && bits <= 32;
}

/** True for CIDR blocks that open a port to the whole internet. */
export function isAnyAddress(value: string): boolean {
  return /\/0$/.test(value.trim());
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** True when CIDR `outer` contains CIDR `inner` (both valid IPv4 CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/') as [string, string];
  const [iIp, iBits] = inner.split('/') as [string, string];
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const size = 2 ** (32 - ob);
  return Math.floor(ipv4ToInt(oIp) / size) === Math.floor(ipv4ToInt(iIp) / size);
}

import { NetlabError, type NetlabIssue } from './errors.js';

/** One host of a network: its own network namespace with one address on the switch. */
export interface HostSpec {
  /**
   * The host's name: a lower-case letter, then lower-case letters, digits or "-", at most 13 characters
   * (the switch's end of its link is named `v-<name>`, and Linux allows 15 characters).
   */
  readonly name: string;
  /** Its one IPv4 address, inside `NetworkSpec.cidr`. */
  readonly address: string;
}

/** A network of hosts on one isolated switch. */
export interface NetworkSpec {
  /**
   * Prefix of every namespace made: `<prefix>switch` and `<prefix><host>`. Give each network its own (for
   * example `pgha-main-`) so two networks never share a name. Lower-case letters, digits and "-", ending in "-",
   * at most 40 characters.
   */
  readonly prefix: string;
  /**
   * The hosts' subnet, a private IPv4 /24 (10/8, 172.16/12, 192.168/16), e.g. `10.213.0.0/24`. It exists only
   * inside the namespaces: the machine's own network namespace never gets an address or a route in it.
   */
  readonly cidr: string;
  readonly hosts: readonly HostSpec[];
  /**
   * The file that records what was made (written before each thing is made), so that an interrupted run can
   * be torn down with {@link teardownRecorded}. Its directory must exist.
   */
  readonly recordFile: string;
}

export const HOST_NAME_RULE =
  'a lower-case letter, then lower-case letters, digits or "-", at most 13 characters (e.g. "pg-1")';
export const PREFIX_RULE =
  'lower-case letters, digits and "-", starting with a letter and ending in "-", at most 40 characters (e.g. "pgha-main-")';

const HOST_NAME = /^[a-z][a-z0-9-]{0,12}$/;
const PREFIX = /^[a-z][a-z0-9-]{0,38}-$/;

/** The four octets of an IPv4 address, or undefined. */
export function ipv4Octets(value: string): [number, number, number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number) as [number, number, number, number];
  if (octets.some((o) => o > 255)) return undefined;
  return octets;
}

/** True for an address in 10/8, 172.16/12 or 192.168/16. */
export function isPrivateIpv4(value: string): boolean {
  const o = ipv4Octets(value);
  if (!o) return false;
  return o[0] === 10 || (o[0] === 172 && o[1] >= 16 && o[1] <= 31) || (o[0] === 192 && o[1] === 168);
}

/** Every problem of a network spec ([] when none), each naming the field, the value and the fix. */
export function networkSpecIssues(spec: NetworkSpec): NetlabIssue[] {
  const issues: NetlabIssue[] = [];
  const add = (path: string, value: unknown, message: string) => issues.push({ path, value, message });
  if (typeof spec.prefix !== 'string' || !PREFIX.test(spec.prefix))
    add('prefix', spec.prefix, `use ${PREFIX_RULE}`);
  const cidr = typeof spec.cidr === 'string' ? /^(.+)\/24$/.exec(spec.cidr) : null;
  const parsed = cidr?.[1] ? ipv4Octets(cidr[1]) : undefined;
  const net = parsed && parsed[3] === 0 && isPrivateIpv4(cidr?.[1] ?? '') ? parsed : undefined;
  if (!net)
    add(
      'cidr',
      spec.cidr,
      'use a private IPv4 /24 (in 10/8, 172.16/12 or 192.168/16) ending in .0/24, e.g. "10.213.0.0/24"',
    );
  if (typeof spec.recordFile !== 'string' || spec.recordFile === '')
    add('recordFile', spec.recordFile, 'give the path of a file to record the network in');
  if (!Array.isArray(spec.hosts) || spec.hosts.length === 0) {
    add('hosts', spec.hosts, 'give at least one host');
    return issues;
  }
  const names = new Set<string>();
  const addresses = new Set<string>();
  spec.hosts.forEach((host, i) => {
    if (typeof host.name !== 'string' || !HOST_NAME.test(host.name) || host.name === 'switch')
      add(`hosts[${i}].name`, host.name, `use ${HOST_NAME_RULE}, not "switch"`);
    else if (names.has(host.name)) add(`hosts[${i}].name`, host.name, 'give each host its own name');
    names.add(host.name);
    const o = typeof host.address === 'string' ? ipv4Octets(host.address) : undefined;
    // With a broken cidr, an address is only held to being a private IPv4 one: one problem, one answer.
    const outside = !o
      ? true
      : net
        ? o[0] !== net[0] || o[1] !== net[1] || o[2] !== net[2] || o[3] === 0 || o[3] === 255
        : !isPrivateIpv4(host.address);
    if (!o || outside)
      add(`hosts[${i}].address`, host.address, `use a host address inside ${spec.cidr} (.1 to .254)`);
    else if (addresses.has(host.address))
      add(`hosts[${i}].address`, host.address, 'give each host its own address');
    addresses.add(host.address);
  });
  return issues;
}

/** Throws INVALID_SPEC listing every problem of the spec. */
export function assertNetworkSpec(spec: NetworkSpec): void {
  const issues = networkSpecIssues(spec);
  if (issues.length > 0) throw NetlabError.fromIssues('network spec', issues);
}

/** The name of the switch namespace of a network with this prefix. */
export function switchNamespace(prefix: string): string {
  return `${prefix}switch`;
}

/** The name of a host's namespace. */
export function hostNamespace(prefix: string, host: string): string {
  return `${prefix}${host}`;
}

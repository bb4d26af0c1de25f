import { NetlabError, type NetlabIssue } from './errors.js';

/** One host of a network: its own network namespace with one address on the switch. */
export interface HostSpec {
  /**
   * The host's name: a lower-case letter, then lower-case letters, digits or "-", at most 13 characters
   * (the switch's end of its link is named `v-<name>`, and Linux allows 15 characters).
   */
  readonly name: string;
  /** Its IPv4 address inside `NetworkSpec.cidr`, with the subnet's prefix on its link. */
  readonly address: string;
  /**
   * More addresses on the same link, each a /32: inside the cidr, or link-local (169.254/16, e.g. the
   * 169.254.169.254 an instance metadata service answers on). A host that stands for a router and the services
   * on its segment holds them. @default []
   */
  readonly extraAddresses?: readonly string[];
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
   * The hosts' subnet, a private IPv4 network of /16 to /28 (10/8, 172.16/12, 192.168/16) given by its network
   * address, e.g. `10.213.0.0/24`. It exists only inside the namespaces: the machine's own network namespace
   * never gets an address or a route in it.
   */
  readonly cidr: string;
  readonly hosts: readonly HostSpec[];
  /**
   * An address one host holds (its `address` or one of its `extraAddresses`): every other host gets its default
   * route through it, so what they send off the subnet (to a link-local service address, say) reaches that
   * host, and nothing else. Without it hosts have no default route. @default - none
   */
  readonly gateway?: string;
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

const toInt = (o: readonly number[]) => o.reduce((acc, x) => acc * 256 + x, 0);

/** A private IPv4 network of /16 to /28 given by its network address: its first address and size, or undefined. */
export function parseCidr(value: unknown): { readonly base: number; readonly size: number } | undefined {
  const m = typeof value === 'string' ? /^(.+)\/(\d{1,2})$/.exec(value) : null;
  const octets = m?.[1] ? ipv4Octets(m[1]) : undefined;
  const bits = Number(m?.[2]);
  if (!octets || !isPrivateIpv4(m?.[1] ?? '') || bits < 16 || bits > 28) return undefined;
  const size = 2 ** (32 - bits);
  const base = toInt(octets);
  return base % size === 0 ? { base, size } : undefined;
}

/** Every address a host holds: its own, then its extra ones. */
export const hostAddresses = (host: HostSpec): readonly string[] => [
  host.address,
  ...(host.extraAddresses ?? []),
];

/** The prefix length of a cidr (`10.0.0.0/16` → 16). */
export const prefixLength = (cidr: string): number => Number(cidr.split('/')[1]);

/** Every problem of a network spec ([] when none), each naming the field, the value and the fix. */
export function networkSpecIssues(spec: NetworkSpec): NetlabIssue[] {
  const issues: NetlabIssue[] = [];
  const add = (path: string, value: unknown, message: string) => issues.push({ path, value, message });
  if (typeof spec.prefix !== 'string' || !PREFIX.test(spec.prefix))
    add('prefix', spec.prefix, `use ${PREFIX_RULE}`);
  const net = parseCidr(spec.cidr);
  if (!net)
    add(
      'cidr',
      spec.cidr,
      'use a private IPv4 network of /16 to /28 (in 10/8, 172.16/12 or 192.168/16) by its network address, e.g. "10.213.0.0/24"',
    );
  if (typeof spec.recordFile !== 'string' || spec.recordFile === '')
    add('recordFile', spec.recordFile, 'give the path of a file to record the network in');
  if (!Array.isArray(spec.hosts) || spec.hosts.length === 0) {
    add('hosts', spec.hosts, 'give at least one host');
    return issues;
  }
  /** Inside the subnet, not its network or broadcast address; with a broken cidr, any private IPv4 address. */
  const inSubnet = (value: unknown) => {
    const o = typeof value === 'string' ? ipv4Octets(value) : undefined;
    if (!o) return false;
    if (!net) return isPrivateIpv4(value as string);
    const n = toInt(o) - net.base;
    return n > 0 && n < net.size - 1;
  };
  const names = new Set<string>();
  const addresses = new Set<string>();
  spec.hosts.forEach((host, i) => {
    if (typeof host.name !== 'string' || !HOST_NAME.test(host.name) || host.name === 'switch')
      add(`hosts[${i}].name`, host.name, `use ${HOST_NAME_RULE}, not "switch"`);
    else if (names.has(host.name)) add(`hosts[${i}].name`, host.name, 'give each host its own name');
    names.add(host.name);
    if (!inSubnet(host.address))
      add(
        `hosts[${i}].address`,
        host.address,
        `use a host address inside ${spec.cidr} (not its first or last)`,
      );
    else if (addresses.has(host.address))
      add(`hosts[${i}].address`, host.address, 'give each host its own address');
    addresses.add(host.address);
    const extra = host.extraAddresses ?? [];
    if (!Array.isArray(extra)) {
      add(`hosts[${i}].extraAddresses`, extra, 'give a list of IPv4 addresses, or leave it out');
      return;
    }
    extra.forEach((a, j) => {
      const o = typeof a === 'string' ? ipv4Octets(a) : undefined;
      if (!(inSubnet(a) || (o !== undefined && o[0] === 169 && o[1] === 254)))
        add(
          `hosts[${i}].extraAddresses[${j}]`,
          a,
          `use an address inside ${spec.cidr} (not its first or last) or a link-local one (169.254.x.y)`,
        );
      else if (addresses.has(a))
        add(`hosts[${i}].extraAddresses[${j}]`, a, 'give each address to one host, once');
      addresses.add(a);
    });
  });
  if (spec.gateway !== undefined && !(typeof spec.gateway === 'string' && addresses.has(spec.gateway)))
    add(
      'gateway',
      spec.gateway,
      'use an address one of the hosts holds (its address or one of its extraAddresses)',
    );
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

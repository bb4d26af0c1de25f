import {
  LOCAL_ADDRESS_PLAN,
  localEtcdAddress,
  localLoadBalancerAddress,
  localPatroniAddress,
  netnsAdminAddress,
  netnsEtcdAddress,
  netnsLoadBalancerAddress,
  netnsNetwork,
  netnsPatroniAddress,
} from '@pgha/defaults';
import {
  CLUSTER_NAME_RULE,
  ETCD_MEMBER_COUNT_RULE,
  isClusterName,
  isEtcdMemberCount,
  isPatroniNodeCount,
  isPostgresVersion,
  PATRONI_NODE_COUNT_RULE,
  POSTGRES_VERSION_RULE,
  type Problem,
} from '@pgha/userdata';
import { LocalClusterError } from './errors.js';

export type ProfileName = 'fast' | 'safe';

/**
 * How the local target's hosts are connected. `loopback` (the default): every node on its own loopback alias
 * of this machine's network stack. `netns`: every etcd member, Patroni node and the load balancer is its own
 * host, a network namespace with one address on an isolated bridge (see netns.ts), so links can be cut.
 */
export type NetworkMode = 'loopback' | 'netns';

export const NETWORK_MODES: readonly NetworkMode[] = ['loopback', 'netns'];

/** Everything that shapes a local deployment. Persisted in the state dir; a later run must agree. */
export interface LocalOptions {
  readonly cluster: string;
  readonly etcdMembers: number;
  readonly patroniNodes: number;
  /** PostgreSQL major version; undefined means the newest installed. */
  readonly postgresVersion?: number | undefined;
  readonly profile: ProfileName;
  readonly synchronousMode: boolean;
  /** First two octets of the loopback plan: etcd on <base>.10.N, Patroni on <base>.20.N, HAProxy <base>.30.1. */
  readonly addressBase: string;
  /**
   * `netns`: each node its own network namespace on 10.213.<N>.0/24, N the second octet of addressBase
   * (see {@link addressPlan}). Absent in the state of clusters deployed before the mode existed: loopback.
   * @default 'loopback'
   */
  readonly network: NetworkMode;
}

export const DEFAULTS: LocalOptions = {
  cluster: 'main',
  etcdMembers: 3,
  patroniNodes: 3,
  postgresVersion: undefined,
  profile: 'fast',
  synchronousMode: true,
  addressBase: LOCAL_ADDRESS_PLAN.base,
  network: 'loopback',
};

const KEYS = Object.keys(DEFAULTS) as (keyof LocalOptions)[];

interface Rule {
  readonly key: keyof LocalOptions;
  readonly ok: (value: unknown) => boolean;
  readonly expected: string;
}

const RULES: readonly Rule[] = [
  // The rule of cluster descriptions (@pgha/userdata): a name deploy accepts, its renderers accept too.
  { key: 'cluster', ok: isClusterName, expected: CLUSTER_NAME_RULE },
  // The counts and the PostgreSQL version: the rules of @pgha/userdata too.
  { key: 'etcdMembers', ok: isEtcdMemberCount, expected: ETCD_MEMBER_COUNT_RULE },
  { key: 'patroniNodes', ok: isPatroniNodeCount, expected: PATRONI_NODE_COUNT_RULE },
  {
    key: 'postgresVersion',
    ok: (v) => v === undefined || isPostgresVersion(v),
    expected: `${POSTGRES_VERSION_RULE}, or leave it out for the newest installed`,
  },
  { key: 'profile', ok: (v) => v === 'fast' || v === 'safe', expected: '"fast" or "safe"' },
  { key: 'synchronousMode', ok: (v) => typeof v === 'boolean', expected: 'true or false' },
  {
    key: 'addressBase',
    ok: (v) => typeof v === 'string' && /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
    expected: 'the first two octets of a loopback address, "127.N" with N from 0 to 255 (e.g. "127.0")',
  },
  {
    key: 'network',
    ok: (v) => (NETWORK_MODES as unknown[]).includes(v),
    expected:
      '"loopback" (every node on a loopback alias, the default) or "netns" (every node its own network namespace; root only)',
  },
];

function isOptionKey(key: string): key is keyof LocalOptions {
  return (KEYS as string[]).includes(key);
}

/**
 * Every problem of a set of options in the libraries' shape `{path, value, message}` ([] when none): a field
 * that is no option, then each rule broken, with what is allowed.
 */
export function optionProblems(options: Record<string, unknown>, source: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(options)) {
    if (!isOptionKey(key)) {
      problems.push({
        path: key,
        value: options[key],
        message: `unknown option (${source}); known options: ${KEYS.join(', ')}`,
      });
    }
  }
  for (const rule of RULES) {
    const value = options[rule.key];
    if (!rule.ok(value)) problems.push({ path: rule.key, value, message: `use ${rule.expected}` });
  }
  return problems;
}

/**
 * A problem of {@link optionProblems} as deploy prints it: `field: <value> is not valid; use ...`, or for a
 * field that is no option (it has no rule to break) `field: unknown option (...)`.
 */
export function optionProblemLine(p: Problem): string {
  return isOptionKey(p.path)
    ? `${p.path}: ${JSON.stringify(p.value)} is not valid; ${p.message}`
    : `${p.path}: ${p.message}`;
}

/** Check every field; one error lists every problem, each with the field, the value and what is allowed. */
export function validateOptions(options: Record<string, unknown>, source: string): LocalOptions {
  const problems = optionProblems(options, source);
  if (problems.length > 0) {
    const lines = problems.map(optionProblemLine);
    throw new LocalClusterError('CONFIG_INVALID', `invalid options:\n  - ${lines.join('\n  - ')}`, {
      hint: 'fix the values named above and run again',
      problems,
    });
  }
  return options as unknown as LocalOptions;
}

/** What a parsed JSON value is, in JSON's words: "an array", "null", "a string", ... */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface AddressPlan {
  readonly etcd: readonly { name: string; host: string }[];
  readonly patroni: readonly { name: string; host: string }[];
  readonly loadBalancer: string;
  /**
   * netns mode only: the hosts' subnet and the admin host, from which the CLI, verify and the drills reach the
   * cluster (the machine's own network namespace has no route to the subnet).
   */
  readonly netns?: { readonly cidr: string; readonly admin: string } | undefined;
}

/**
 * The addresses of the cluster's hosts (`@pgha/defaults`). loopback: `<base>.10.i`, `<base>.20.i`, `<base>.30.1`.
 * netns: the same role octets folded into the last one of a /24 that exists only inside the cluster's
 * namespaces: `10.213.N.1i` etcd, `10.213.N.2i` Patroni, `10.213.N.31` HAProxy, `10.213.N.2` the admin host (N:
 * the second octet of the address base, so 127.0 gives 10.213.0.0/24). Each cluster has its own switch: two
 * clusters on the same subnet never meet.
 */
export function addressPlan(options: LocalOptions): AddressPlan {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const base = options.addressBase;
  if (options.network === 'netns') {
    return {
      etcd: range(options.etcdMembers).map((i) => ({ name: `etcd-${i}`, host: netnsEtcdAddress(i, base) })),
      patroni: range(options.patroniNodes).map((i) => ({
        name: `pg-${i}`,
        host: netnsPatroniAddress(i, base),
      })),
      loadBalancer: netnsLoadBalancerAddress(base),
      netns: { cidr: `${netnsNetwork(base)}.0/24`, admin: netnsAdminAddress(base) },
    };
  }
  return {
    etcd: range(options.etcdMembers).map((i) => ({
      name: `etcd-${i}`,
      host: localEtcdAddress(i, options.addressBase),
    })),
    patroni: range(options.patroniNodes).map((i) => ({
      name: `pg-${i}`,
      host: localPatroniAddress(i, options.addressBase),
    })),
    loadBalancer: localLoadBalancerAddress(options.addressBase),
  };
}

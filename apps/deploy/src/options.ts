import { readFile } from 'node:fs/promises';
import {
  LOCAL_ADDRESS_PLAN,
  localEtcdAddress,
  localLoadBalancerAddress,
  localPatroniAddress,
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
} from '@pgha/userdata';
import { DeployError } from './errors.js';

export type ProfileName = 'fast' | 'safe';

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
}

export const DEFAULTS: LocalOptions = {
  cluster: 'main',
  etcdMembers: 3,
  patroniNodes: 3,
  postgresVersion: undefined,
  profile: 'fast',
  synchronousMode: true,
  addressBase: LOCAL_ADDRESS_PLAN.base,
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
];

/** Every problem of a set of options, each with the field, the value and what is allowed ([] when none). */
export function optionProblems(options: Record<string, unknown>, source: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!(KEYS as string[]).includes(key)) {
      problems.push(`${key}: unknown option (${source}); known options: ${KEYS.join(', ')}`);
    }
  }
  for (const rule of RULES) {
    const value = options[rule.key];
    if (!rule.ok(value))
      problems.push(`${rule.key}: ${JSON.stringify(value)} is not valid; use ${rule.expected}`);
  }
  return problems;
}

/** Check every field; one error lists every problem, each with the field, the value and what is allowed. */
export function validateOptions(options: Record<string, unknown>, source: string): LocalOptions {
  const problems = optionProblems(options, source);
  if (problems.length > 0) {
    throw new DeployError('CONFIG_INVALID', `invalid options:\n  - ${problems.join('\n  - ')}`, {
      hint: 'fix the values named above (flags or --config file) and run again',
    });
  }
  return options as unknown as LocalOptions;
}

/**
 * Read and parse the JSON file named by `--config`; an unreadable or malformed file is a usage error (exit 2)
 * whose hint shows what the file should look like.
 */
export async function readJsonConfig(path: string, example: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DeployError('CONFIG_INVALID', `cannot read --config ${path}: ${(error as Error).message}`, {
      hint: `pass the path of a readable JSON file; ${example}`,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeployError(
      'CONFIG_INVALID',
      `--config ${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: `the file must hold one JSON object; ${example}`,
        cause: error,
      },
    );
  }
}

/** What a parsed JSON value is, in JSON's words: "an array", "null", "a string", ... */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The `--cluster` flag, checked before any command resolves a path with it (`--cluster ../x` must not reach
 * outside the state dir): the same rule as the option.
 */
export function clusterFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (isClusterName(value)) return value;
  throw new DeployError('USAGE', `--cluster ${JSON.stringify(value)} is not a cluster name`, {
    hint: `use ${CLUSTER_NAME_RULE}`,
  });
}

/** Read a JSON config file of LocalOptions fields (a partial set; defaults fill the rest). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const example = 'for example {"cluster": "main", "etcdMembers": 3}';
  const parsed = await readJsonConfig(path, example);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DeployError(
      'CONFIG_INVALID',
      `--config ${path} must hold a JSON object, not ${jsonKind(parsed)}`,
      {
        hint: `write it as ${example.replace('for example ', '')}`,
      },
    );
  }
  return parsed as Record<string, unknown>;
}

export interface AddressPlan {
  readonly etcd: readonly { name: string; host: string }[];
  readonly patroni: readonly { name: string; host: string }[];
  readonly loadBalancer: string;
}

export function addressPlan(options: LocalOptions): AddressPlan {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
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

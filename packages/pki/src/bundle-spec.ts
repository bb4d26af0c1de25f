import { PkiError, type PkiProblem } from './errors.js';
import type { KeyAlgorithm, KeyBits } from './key-algorithm.js';
import { checkDays, checkDnsName, checkIpAddress, checkName, show } from './private/names.js';
import { checkKeySpec } from './private/options.js';

/** A node that is dialled over TLS: its certificates carry these addresses as SANs. */
export interface NodeSpec {
  /** Node name, e.g. `etcd-1` or `pg-1`: 1-63 letters, digits, hyphens. Becomes the CN and the file name. */
  readonly name: string;
  /**
   * IP addresses the node is dialled by (IP SANs). For an etcd member on one machine include `127.0.0.1`
   * next to the member's own address: loopback connections come from 127.0.0.1 and etcd checks peer
   * certificates against the source address.
   * @default []
   */
  readonly ipAddresses?: readonly string[];
  /**
   * DNS names the node is dialled by (DNS SANs). Leave empty for local clusters: when an IP check fails etcd
   * falls back to resolving DNS SANs through the system resolver.
   * @default []
   */
  readonly dnsNames?: readonly string[];
}

/** A client identity (for example `verify` or `operator`): a clientAuth certificate with CN = name. */
export interface ClientSpec {
  readonly name: string;
}

/** Addresses and names through which clients reach PostgreSQL (a load balancer). */
export interface ServiceAddressesSpec {
  /** @default [] */
  readonly ipAddresses?: readonly string[];
  /** @default [] */
  readonly dnsNames?: readonly string[];
}

/** The whole TLS material for one etcd + Patroni cluster. */
export interface BundleSpec {
  /** Cluster name: CA common name `pgha <clusterName> CA`, OU of every leaf. 1-63 letters, digits, hyphens. */
  readonly clusterName: string;
  /**
   * Validity of a new (or renewed) CA certificate, in days.
   * @default 3650
   */
  readonly caValidityDays?: number;
  /**
   * Validity of new (or renewed) leaf certificates, in days (capped at the CA's notAfter).
   * @default 825
   */
  readonly validityDays?: number;
  /**
   * `ensureBundle` renews a certificate (same key) when it has fewer days left than this.
   * Must be smaller than both validity periods.
   * @default 30
   */
  readonly renewWithinDays?: number;
  /**
   * Kind of new keys (the CA's and the leaves'): `rsa`, or `ecdsa-p256` (ECDSA on P-256: generated in well under a
   * millisecond where an RSA-2048 key takes 100-200 ms of CPU, and smaller certificates and handshakes).
   * Applies to new keys only: `ensureBundle` keeps existing keys, whatever their kind (see `BundleChange.keyAlgorithm`).
   * @default 'rsa'
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * RSA key size of new keys. Only with `keyAlgorithm` `rsa`: given with `ecdsa-p256` it is an error.
   * @default 2048
   */
  readonly keyBits?: KeyBits;
  /** etcd members: one certificate each, serverAuth + clientAuth, for client and peer traffic. */
  readonly etcdMembers: readonly NodeSpec[];
  /**
   * Patroni nodes: per node an etcd client certificate (clientAuth), a PostgreSQL server certificate
   * (serverAuth) and a Patroni REST certificate (serverAuth + clientAuth; Patroni uses its REST certificate as
   * client certificate when it calls other members' REST API). The server certificates carry the node's addresses.
   */
  readonly patroniNodes: readonly NodeSpec[];
  /**
   * Extra SANs for every PostgreSQL server certificate: the addresses clients use through the load balancer,
   * so `sslmode=verify-full` works there too.
   * @default - none
   */
  readonly postgresServiceAddresses?: ServiceAddressesSpec;
  /** Client identities (clientAuth), e.g. `verify`, `operator`. @default [] */
  readonly clients?: readonly ClientSpec[];
}

/** A `BundleSpec` with defaults applied and values validated and canonical. */
export interface ResolvedBundleSpec {
  readonly clusterName: string;
  readonly caValidityDays: number;
  readonly validityDays: number;
  readonly renewWithinDays: number;
  readonly keyAlgorithm: KeyAlgorithm;
  /** RSA key size of new RSA keys (2048, unused, when `keyAlgorithm` is `ecdsa-p256`). */
  readonly keyBits: KeyBits;
  readonly etcdMembers: readonly ResolvedNode[];
  readonly patroniNodes: readonly ResolvedNode[];
  readonly postgresServiceAddresses: {
    readonly ipAddresses: readonly string[];
    readonly dnsNames: readonly string[];
  };
  readonly clients: readonly { readonly name: string }[];
}

export interface ResolvedNode {
  readonly name: string;
  readonly ipAddresses: readonly string[];
  readonly dnsNames: readonly string[];
}

/**
 * Validates a bundle spec and applies defaults.
 * @throws PkiError `INVALID_SPEC` listing every broken rule (`error.problems`), each with the path, the value and the fix.
 */
export function resolveBundleSpec(spec: BundleSpec): ResolvedBundleSpec {
  const issues: PkiProblem[] = [];
  if (typeof spec !== 'object' || spec === null) {
    throw PkiError.fromProblems('bundle spec', [
      {
        code: 'INVALID_VALUE',
        path: '(spec)',
        value: spec,
        message: `${show(spec)} is not a bundle spec object`,
      },
    ]);
  }
  const clusterName = checkName(spec.clusterName, 'clusterName', issues) ?? '';
  const caValidityDays = checkDays(spec.caValidityDays ?? 3650, 'caValidityDays', issues) ?? 0;
  const validityDays = checkDays(spec.validityDays ?? 825, 'validityDays', issues) ?? 0;
  const renewWithinDays = spec.renewWithinDays ?? 30;
  if (typeof renewWithinDays !== 'number' || !Number.isInteger(renewWithinDays) || renewWithinDays < 0) {
    issues.push({
      code: 'INVALID_VALIDITY',
      path: 'renewWithinDays',
      value: renewWithinDays,
      message: `${show(renewWithinDays)} is not a valid number of days; use a whole number >= 0`,
    });
  } else {
    for (const [name, days] of [
      ['validityDays', validityDays],
      ['caValidityDays', caValidityDays],
    ] as const) {
      if (days > 0 && renewWithinDays >= days) {
        issues.push({
          code: 'INVALID_VALIDITY',
          path: 'renewWithinDays',
          value: renewWithinDays,
          message: `${renewWithinDays} is not smaller than ${name} (${days}), so every run would renew; lower it or raise ${name}`,
        });
      }
    }
  }
  const key = checkKeySpec(spec.keyAlgorithm, spec.keyBits, '', issues) ?? { algorithm: 'rsa', bits: 2048 };
  const etcdMembers = nodes(spec.etcdMembers, 'etcdMembers', issues);
  const patroniNodes = nodes(spec.patroniNodes, 'patroniNodes', issues);
  const service = spec.postgresServiceAddresses ?? {};
  const postgresServiceAddresses = {
    ipAddresses: list(service.ipAddresses, 'postgresServiceAddresses.ipAddresses', issues, checkIpAddress),
    dnsNames: list(service.dnsNames, 'postgresServiceAddresses.dnsNames', issues, checkDnsName),
  };
  const clients: { name: string }[] = [];
  const clientList = arrayOf(spec.clients ?? [], 'clients', issues);
  const seen = new Map<string, number>();
  for (const [i, client] of clientList.entries()) {
    const name = checkName((client as ClientSpec | undefined)?.name, `clients[${i}].name`, issues);
    if (name === undefined) continue;
    if (duplicate(seen, name, i, 'clients', issues)) continue;
    clients.push({ name });
  }
  if (issues.length > 0) throw PkiError.fromProblems('bundle spec', issues);
  return {
    clusterName,
    caValidityDays,
    validityDays,
    renewWithinDays,
    keyAlgorithm: key.algorithm,
    keyBits: key.algorithm === 'rsa' ? key.bits : 2048,
    etcdMembers,
    patroniNodes,
    postgresServiceAddresses,
    clients,
  };
}

function nodes(value: unknown, path: string, issues: PkiProblem[]): ResolvedNode[] {
  const out: ResolvedNode[] = [];
  const seen = new Map<string, number>();
  for (const [i, node] of arrayOf(value, path, issues).entries()) {
    const n = (node ?? {}) as NodeSpec;
    const name = checkName(n.name, `${path}[${i}].name`, issues);
    const ipAddresses = list(n.ipAddresses, `${path}[${i}].ipAddresses`, issues, checkIpAddress);
    const dnsNames = list(n.dnsNames, `${path}[${i}].dnsNames`, issues, checkDnsName);
    if (name === undefined || duplicate(seen, name, i, path, issues)) continue;
    out.push({ name, ipAddresses, dnsNames });
  }
  return out;
}

function duplicate(
  seen: Map<string, number>,
  name: string,
  i: number,
  path: string,
  issues: PkiProblem[],
): boolean {
  const key = name.toLowerCase();
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, i);
    return false;
  }
  issues.push({
    code: 'DUPLICATE_NAME',
    path: `${path}[${i}].name`,
    value: name,
    message: `"${name}" is already used by ${path}[${first}] (names are compared case-insensitively); give each entry its own name`,
  });
  return true;
}

function arrayOf(value: unknown, path: string, issues: PkiProblem[]): readonly unknown[] {
  if (Array.isArray(value)) return value;
  issues.push({ code: 'INVALID_VALUE', path, value, message: `${show(value)} is not a list` });
  return [];
}

function list(
  value: unknown,
  path: string,
  issues: PkiProblem[],
  check: (v: unknown, p: string, i: PkiProblem[]) => string | undefined,
): string[] {
  const out: string[] = [];
  for (const [i, v] of arrayOf(value ?? [], path, issues).entries()) {
    const ok = check(v, `${path}[${i}]`, issues);
    if (ok !== undefined && !out.includes(ok)) out.push(ok);
  }
  return out;
}

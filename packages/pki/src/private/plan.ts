import { X509Certificate } from 'node:crypto';
import type { Bundle, BundleChange, BundleChangeReason, PatroniCredentials, PatroniRole } from '../bundle.js';
import type { ResolvedBundleSpec } from '../bundle-spec.js';
import { createCa } from '../certificate-authority.js';
import type { Credential, ExtendedKeyUsage } from '../credential.js';
import { PkiError } from '../errors.js';
import {
  type CertificateInfo,
  inspectCertificate,
  keyMatchesCertificate,
  verifyChain,
} from '../inspect-certificate.js';
import type { PrivateKey } from '../private-key.js';
import { keyTypeOf } from './key-type.js';
import { prepareCa, signLeaf, validateLeafOptions } from './leaf.js';
import { canonicalIp } from './names.js';
import { type KeySpec, keySpecName } from './options.js';
import { generateKey } from './x509.js';

/** What is on disk (or in memory) before a run; any part may be missing. */
export interface CurrentEntry {
  readonly certPem?: string;
  readonly key?: PrivateKey;
}

export interface CurrentState {
  readonly ca: CurrentEntry;
  readonly leaves: ReadonlyMap<string, CurrentEntry>;
  /** Entry ids the previous run recorded (to report removals). */
  readonly previousIds: readonly string[];
}

export interface PlanOptions {
  readonly now: Date;
  /** Names an entry's file in error messages. */
  readonly locate: (id: string, kind: 'certificate' | 'key') => string;
}

export interface PlanResult {
  readonly bundle: Bundle;
  readonly changes: readonly BundleChange[];
}

/** One leaf the spec asks for. */
export interface LeafSpec {
  readonly id: string;
  readonly group: 'etcd' | 'patroni' | 'clients';
  readonly name: string;
  readonly role?: PatroniRole;
  readonly extendedKeyUsage: readonly ExtendedKeyUsage[];
  readonly subjectAltNames: readonly string[];
}

export const PATRONI_ROLES: readonly PatroniRole[] = ['etcdClient', 'postgres', 'rest'];

export function caCommonName(clusterName: string): string {
  return `pgha ${clusterName} CA`;
}

/** Every leaf the spec asks for, in a stable order. */
export function desiredLeaves(spec: ResolvedBundleSpec): LeafSpec[] {
  const out: LeafSpec[] = [];
  for (const m of spec.etcdMembers) {
    out.push({
      id: `etcd.${m.name}`,
      group: 'etcd',
      name: m.name,
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      subjectAltNames: [...m.ipAddresses, ...m.dnsNames],
    });
  }
  const service = spec.postgresServiceAddresses;
  for (const n of spec.patroniNodes) {
    const own = [...n.ipAddresses, ...n.dnsNames];
    const base = { group: 'patroni', name: n.name } as const;
    out.push({
      ...base,
      id: `patroni.${n.name}.etcdClient`,
      role: 'etcdClient',
      extendedKeyUsage: ['clientAuth'],
      subjectAltNames: [],
    });
    out.push({
      ...base,
      id: `patroni.${n.name}.postgres`,
      role: 'postgres',
      extendedKeyUsage: ['serverAuth'],
      subjectAltNames: [
        ...own,
        ...service.ipAddresses.filter((a) => !own.includes(a)),
        ...service.dnsNames.filter((a) => !own.includes(a)),
      ],
    });
    out.push({
      ...base,
      id: `patroni.${n.name}.rest`,
      role: 'rest',
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      subjectAltNames: own,
    });
  }
  for (const c of spec.clients) {
    out.push({
      id: `clients.${c.name}`,
      group: 'clients',
      name: c.name,
      extendedKeyUsage: ['clientAuth'],
      subjectAltNames: [],
    });
  }
  return out;
}

/** What new keys of a bundle are. */
export function keySpecOf(spec: ResolvedBundleSpec): KeySpec {
  return spec.keyAlgorithm === 'rsa'
    ? { algorithm: 'rsa', bits: spec.keyBits }
    : { algorithm: spec.keyAlgorithm };
}

/**
 * Decides, for the CA and every leaf, whether to keep, renew (same key) or issue (new key); generates the new keys
 * in parallel; signs. Never replaces an existing key: a key is generated only where none exists, of the spec's
 * key algorithm; an existing key of another kind is kept, and its change says so.
 */
export async function planBundle(
  spec: ResolvedBundleSpec,
  current: CurrentState,
  options: PlanOptions,
): Promise<PlanResult> {
  const { now, locate } = options;
  const changes: BundleChange[] = [];
  const leaves = desiredLeaves(spec);
  const keySpec = keySpecOf(spec);
  /** The detail of a change that keeps an existing key, with a note when new keys would be of another kind. */
  const existingKey = (id: string, key: PrivateKey, detail: string): string => {
    const have = keyTypeOf(key.toKeyObject());
    const want = keySpecName(keySpec);
    if (have === want) return detail;
    const how = id === 'ca' ? 'a CA is never re-keyed' : 'delete the key file to have a new key issued';
    return `${detail}; keeps its ${have} key (new keys are ${want}; ${how})`;
  };

  // 1. The CA: never re-keyed. A certificate without its key is an error, not a reason to start over.
  const caCur = current.ca;
  if (caCur.certPem !== undefined && caCur.key === undefined) {
    throw new PkiError(
      'CA_UNUSABLE',
      `${locate('ca', 'key')} is missing but ${locate('ca', 'certificate')} exists: without the CA key no ` +
        'certificate can be issued, and a new CA would invalidate every certificate it signed. Restore the CA key ' +
        'from a backup, or delete the whole bundle directory to start a new CA.',
      { item: locate('ca', 'key') },
    );
  }
  if (caCur.certPem === undefined && caCur.key === undefined && current.previousIds.length > 0) {
    throw new PkiError(
      'CA_UNUSABLE',
      `${locate('ca', 'certificate')} and ${locate('ca', 'key')} are missing from an existing bundle: a new CA ` +
        'would silently invalidate every certificate deployed so far. Restore both from a backup, or delete the ' +
        'whole bundle directory to start a new CA on purpose.',
      { item: locate('ca', 'key') },
    );
  }
  let caInfo: CertificateInfo | undefined;
  if (caCur.certPem !== undefined && caCur.key !== undefined) {
    caInfo = inspectCertificate(caCur.certPem, { now });
    assertPair(caCur.key, caCur.certPem, 'ca', locate);
    if (!caInfo.isCa) {
      throw new PkiError(
        'CA_UNUSABLE',
        `${locate('ca', 'certificate')} is not a CA certificate (basicConstraints CA:true missing); replace it or ` +
          'delete the bundle directory to start a new CA.',
        { item: locate('ca', 'certificate') },
      );
    }
    const ou = /(?:^|, )OU=([^,]*)/.exec(caInfo.subject)?.[1];
    if (ou !== spec.clusterName) {
      throw new PkiError(
        'CLUSTER_MISMATCH',
        `${locate('ca', 'certificate')} belongs to cluster "${ou ?? '(none)'}" (subject ${caInfo.subject}), but the ` +
          `spec's clusterName is "${spec.clusterName}". Use a separate directory per cluster, or the same clusterName.`,
        { item: locate('ca', 'certificate') },
      );
    }
  }

  // 2. Which leaves need a new key (only those without one), plus the CA when there is nothing at all.
  const leafKeys = new Map<string, PrivateKey>();
  const needKey: string[] = [];
  for (const leaf of leaves) {
    const key = current.leaves.get(leaf.id)?.key;
    if (key) leafKeys.set(leaf.id, key);
    else needKey.push(leaf.id);
  }
  const caNeedsKey = caCur.key === undefined;
  const generated = await Promise.all(
    [...(caNeedsKey ? ['ca'] : []), ...needKey].map(async (id) => [id, await generateKey(keySpec)] as const),
  );
  const newKeys = new Map(generated);

  // 3. CA certificate: issue, renew (same key) or keep.
  const caOptions = {
    commonName: caCommonName(spec.clusterName),
    organization: 'pgha',
    organizationalUnit: spec.clusterName,
    validityDays: spec.caValidityDays,
    now,
  };
  let ca: Credential;
  const caReason = caInfo ? timeReason(caInfo, spec.renewWithinDays, now) : undefined;
  if (caCur.key === undefined) {
    ca = await createCa({ ...caOptions, key: need(newKeys, 'ca') });
    changes.push(change('ca', 'issued', 'new', 'new CA key and certificate', ca));
  } else if (caCur.certPem === undefined) {
    ca = await createCa({ ...caOptions, key: caCur.key });
    changes.push(
      change(
        'ca',
        'renewed',
        'certificate-missing',
        existingKey('ca', ca.key, 'CA certificate re-made for the existing CA key'),
        ca,
      ),
    );
  } else if (caReason !== undefined) {
    ca = await createCa({ ...caOptions, key: caCur.key });
    changes.push(
      change(
        'ca',
        'renewed',
        caReason.reason,
        existingKey('ca', ca.key, `${caReason.detail}; renewed with the same key and subject`),
        ca,
      ),
    );
  } else {
    ca = { certPem: caCur.certPem, key: caCur.key };
    const detail = existingKey('ca', ca.key, `valid, ${caInfo?.daysLeft ?? 0} days left`);
    changes.push(change('ca', 'kept', 'valid', detail, ca));
  }

  // 4. Leaves.
  const preparedCa = prepareCa(ca);
  const issued = new Map<string, Credential>();
  for (const leaf of leaves) {
    const cur = current.leaves.get(leaf.id) ?? {};
    const options = validateLeafOptions(
      {
        commonName: leaf.name,
        organization: 'pgha',
        organizationalUnit: spec.clusterName,
        extendedKeyUsage: leaf.extendedKeyUsage,
        subjectAltNames: leaf.subjectAltNames,
        validityDays: spec.validityDays,
        now,
      },
      `${leaf.id}.`,
    );
    const fresh = newKeys.get(leaf.id);
    if (fresh) {
      const credential = signLeaf(preparedCa, options, fresh);
      issued.set(leaf.id, credential);
      const reason = cur.certPem === undefined ? 'new' : 'key-missing';
      const detail =
        reason === 'new' ? 'new key and certificate' : 'key file missing: new key and certificate';
      changes.push(change(leaf.id, 'issued', reason, detail, credential));
      continue;
    }
    const key = leafKeys.get(leaf.id);
    if (!key) throw new Error(`internal: no key for ${leaf.id}`);
    if (cur.certPem === undefined) {
      const credential = signLeaf(preparedCa, options, key);
      issued.set(leaf.id, credential);
      changes.push(
        change(
          leaf.id,
          'renewed',
          'certificate-missing',
          existingKey(leaf.id, key, 'certificate re-made for the existing key'),
          credential,
        ),
      );
      continue;
    }
    const info = inspectCertificate(cur.certPem, { now });
    assertPair(key, cur.certPem, leaf.id, locate);
    const why = leafReason(leaf, info, cur.certPem, ca.certPem, spec, now);
    if (why) {
      const credential = signLeaf(preparedCa, options, key);
      issued.set(leaf.id, credential);
      changes.push(change(leaf.id, 'renewed', why.reason, existingKey(leaf.id, key, why.detail), credential));
    } else {
      const credential = { certPem: cur.certPem, key };
      issued.set(leaf.id, credential);
      const detail = existingKey(leaf.id, key, `valid, ${info.daysLeft} days left`);
      changes.push(change(leaf.id, 'kept', 'valid', detail, credential));
    }
  }

  const wanted = new Set(['ca', ...leaves.map((l) => l.id)]);
  for (const id of current.previousIds) {
    if (!wanted.has(id))
      changes.push({
        id,
        action: 'removed',
        reason: 'not-in-spec',
        detail: 'no longer in the spec; files deleted',
      });
  }

  const get = (id: string): Credential => need(issued, id);
  const bundle: Bundle = {
    clusterName: spec.clusterName,
    ca,
    etcd: Object.fromEntries(spec.etcdMembers.map((m) => [m.name, get(`etcd.${m.name}`)])),
    patroni: Object.fromEntries(
      spec.patroniNodes.map((n) => [
        n.name,
        Object.fromEntries(
          PATRONI_ROLES.map((r) => [r, get(`patroni.${n.name}.${r}`)]),
        ) as unknown as PatroniCredentials,
      ]),
    ),
    clients: Object.fromEntries(spec.clients.map((c) => [c.name, get(`clients.${c.name}`)])),
  };
  return { bundle, changes };
}

function leafReason(
  leaf: LeafSpec,
  info: CertificateInfo,
  certPem: string,
  caPem: string,
  spec: ResolvedBundleSpec,
  now: Date,
): { reason: BundleChangeReason; detail: string } | undefined {
  const chain = verifyChain(certPem, caPem, { now });
  const issuerProblems = chain.problems.filter(
    (p) => !p.includes('expired') && !p.includes('not valid before'),
  );
  if (issuerProblems.length > 0)
    return { reason: 'issuer-changed', detail: `not issued by the bundle CA: ${issuerProblems.join('; ')}` };
  const have = new Set([
    ...info.ipAddresses.map((a) => `IP:${a}`),
    ...info.dnsNames.map((d) => `DNS:${d.toLowerCase()}`),
  ]);
  const want = new Set(
    leaf.subjectAltNames.map((s) => (canonicalIp(s) !== undefined ? `IP:${s}` : `DNS:${s}`)),
  );
  const added = [...want].filter((s) => !have.has(s));
  const dropped = [...have].filter((s) => !want.has(s));
  if (added.length > 0 || dropped.length > 0) {
    return {
      reason: 'san-changed',
      detail: `SANs changed: ${[...added.map((s) => `+${s}`), ...dropped.map((s) => `-${s}`)].join(' ')}`,
    };
  }
  const wantEku = [...leaf.extendedKeyUsage].sort().join(',');
  const haveEku = [...info.extendedKeyUsage].sort().join(',');
  const wantSubject = `CN=${leaf.name}, O=pgha, OU=${spec.clusterName}`;
  if (wantEku !== haveEku || info.subject !== wantSubject) {
    return {
      reason: 'profile-changed',
      detail: `has ${info.subject} [${haveEku}], needs ${wantSubject} [${wantEku}]`,
    };
  }
  return timeReason(info, spec.renewWithinDays, now);
}

function timeReason(
  info: CertificateInfo,
  renewWithinDays: number,
  now: Date,
): { reason: BundleChangeReason; detail: string } | undefined {
  if (info.notBefore.getTime() > now.getTime()) {
    return { reason: 'not-yet-valid', detail: `not valid before ${info.notBefore.toISOString()}` };
  }
  if (info.expired) return { reason: 'expiring', detail: `expired on ${info.notAfter.toISOString()}` };
  if (info.daysLeft < renewWithinDays) {
    return {
      reason: 'expiring',
      detail: `${info.daysLeft} days left (notAfter ${info.notAfter.toISOString()}), renewing within ${renewWithinDays}`,
    };
  }
  return undefined;
}

function assertPair(key: PrivateKey, certPem: string, id: string, locate: PlanOptions['locate']): void {
  if (!keyMatchesCertificate(key, certPem)) {
    throw new PkiError(
      'KEY_CERT_MISMATCH',
      `${locate(id, 'key')} does not belong to ${locate(id, 'certificate')}. Restore the matching pair; or delete ` +
        'the certificate to have it re-issued for this key, or delete both to issue a new key and certificate.',
      { item: locate(id, 'key') },
    );
  }
}

function change(
  id: string,
  action: BundleChange['action'],
  reason: BundleChangeReason,
  detail: string,
  credential: Credential,
): BundleChange {
  const notAfter = new Date(new X509Certificate(credential.certPem).validTo);
  return { id, action, reason, detail, notAfter, keyAlgorithm: credential.key.algorithm };
}

function need<T>(map: ReadonlyMap<string, T>, id: string): T {
  const value = map.get(id);
  if (value === undefined) throw new Error(`internal: missing ${id}`);
  return value;
}

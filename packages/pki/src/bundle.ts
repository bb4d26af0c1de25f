import type { Credential } from './credential.js';
import type { KeyAlgorithm } from './key-algorithm.js';

/** The three certificates of one Patroni node. */
export interface PatroniCredentials {
  /** clientAuth certificate Patroni uses to talk to etcd. */
  readonly etcdClient: Credential;
  /** serverAuth certificate for PostgreSQL (`ssl_cert_file` / `ssl_key_file`). */
  readonly postgres: Credential;
  /** serverAuth + clientAuth certificate for the Patroni REST API (`restapi.certfile` / `keyfile`). */
  readonly rest: Credential;
}

export type PatroniRole = keyof PatroniCredentials;

/** All TLS material of one cluster, in memory. Keyed by node and client name. */
export interface Bundle {
  readonly clusterName: string;
  readonly ca: Credential;
  /** Per etcd member: serverAuth + clientAuth, for client and peer traffic. */
  readonly etcd: Readonly<Record<string, Credential>>;
  readonly patroni: Readonly<Record<string, PatroniCredentials>>;
  /** Per client identity: clientAuth. */
  readonly clients: Readonly<Record<string, Credential>>;
}

/**
 * Identifies one certificate of a bundle: `ca`, `etcd.<name>`, `patroni.<name>.etcdClient|postgres|rest`,
 * `clients.<name>`.
 */
export type BundleEntryId = string;

export type BundleAction =
  /** A new key and a new certificate. */
  | 'issued'
  /** A new certificate for the existing key (never a silent re-key). */
  | 'renewed'
  /** Nothing to do. */
  | 'kept'
  /** The entry is no longer in the spec; its files were deleted. */
  | 'removed';

export type BundleChangeReason =
  /** Not there before. */
  | 'new'
  /** The certificate was there but its key file was not: a new key was needed. */
  | 'key-missing'
  /** The key was there but its certificate was not. */
  | 'certificate-missing'
  /** The certificate was not issued by the bundle's CA. */
  | 'issuer-changed'
  /** The spec's SANs (addresses, DNS names) differ from the certificate's. */
  | 'san-changed'
  /** Subject or extended key usages differ from what this entry needs. */
  | 'profile-changed'
  /** Fewer than `renewWithinDays` days left (or already expired). */
  | 'expiring'
  /** notBefore is in the future (the clock moved back). */
  | 'not-yet-valid'
  /** Valid, matching, not near expiry. */
  | 'valid'
  /** Not in the spec any more. */
  | 'not-in-spec';

/** What happened to one entry, and why. Contains no key material. */
export interface BundleChange {
  readonly id: BundleEntryId;
  readonly action: BundleAction;
  readonly reason: BundleChangeReason;
  /** One line for humans, e.g. `SANs changed: +IP:127.0.0.5`. */
  readonly detail: string;
  /** notAfter of the certificate now in the bundle (absent for `removed`). */
  readonly notAfter?: Date;
  /**
   * Kind of the entry's key now in the bundle (absent for `removed`). A kept or renewed entry keeps its key, so
   * after the spec's `keyAlgorithm` changed it can differ from the spec's; `detail` then says so.
   */
  readonly keyAlgorithm?: KeyAlgorithm;
}

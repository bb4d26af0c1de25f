export type {
  Bundle,
  BundleAction,
  BundleChange,
  BundleChangeReason,
  BundleEntryId,
  PatroniCredentials,
  PatroniRole,
} from './bundle.js';
export type { BundleNameSource, BundleNames, BundlePaths, CredentialPaths } from './bundle-paths.js';
export { bundlePaths } from './bundle-paths.js';
export type {
  BundleSpec,
  ClientSpec,
  NodeSpec,
  ResolvedBundleSpec,
  ResolvedNode,
  ServiceAddressesSpec,
} from './bundle-spec.js';
export { resolveBundleSpec } from './bundle-spec.js';
export type { EnsureBundleResult, StoredBundle } from './bundle-store.js';
export { ensureBundle, readBundle, writeBundle } from './bundle-store.js';
export type { CreateCaOptions } from './certificate-authority.js';
export { createCa } from './certificate-authority.js';
export type { CreateBundleOptions } from './create-bundle.js';
export { createBundle } from './create-bundle.js';
export type { Credential, ExtendedKeyUsage } from './credential.js';
export type {
  PkiErrorCode,
  PkiErrorOptions,
  PkiIssue,
  PkiIssueCode,
  PkiProblem,
  PkiProblemCode,
  Problem,
} from './errors.js';
export { isPkiError, PkiError } from './errors.js';
export type { CertificateInfo, ChainVerification, KeyUsage, TimeOptions } from './inspect-certificate.js';
export { inspectCertificate, keyMatchesCertificate, verifyChain } from './inspect-certificate.js';
export { issueCertificate } from './issue-certificate.js';
export type { IssueCertificateOptions } from './issue-certificate-options.js';
export type { KeyAlgorithm, KeyBits } from './key-algorithm.js';
export { isPrivateKey, PrivateKey } from './private-key.js';

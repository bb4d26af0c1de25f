export { type CliIo, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, run } from './cli.js';
export { useColor } from './color.js';
export { isVerifyError, VerifyError, type VerifyErrorCode } from './errors.js';
export { type LocateManifestOptions, locateManifest, MANIFEST_FILE } from './locate-manifest.js';
export {
  type ClientTls,
  type HostPort,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestTarget,
  type ParseManifestOptions,
  type PatroniMember,
  type PostgresTlsMode,
  parseManifest,
  readManifest,
} from './manifest.js';
export { type FormatOptions, formatReport, formatReportJson } from './render.js';
export {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type EtcdMemberRow,
  type PatroniMemberRow,
  REPORT_VERSION,
  type VerifyReport,
} from './report.js';
export { type VerifyOptions, verifyCluster } from './verify-cluster.js';

export { type DeployLocalOptions, type DeployLocalResult, deployLocal, versionDrift } from './deploy.js';
export { type DestroyLocalOptions, type DestroyResult, destroyLocal } from './destroy.js';
export { distroUnitOf, stopAndDisable, systemdRunning, unitFromCgroup } from './distro-services.js';
export { LocalDrillTarget, type LocalDrillTargetOptions } from './drill-target.js';
export {
  isLocalClusterError,
  LOCAL_CLUSTER_ERROR_KINDS,
  LocalClusterError,
  type LocalClusterErrorCode,
  type LocalClusterErrorKind,
  type LocalClusterErrorOptions,
} from './errors.js';
export type { LocalClusterEvent, LocalClusterEventListener } from './events.js';
export {
  type ComponentKind,
  commandFor,
  componentLayout,
  etcdLayout,
  haproxyLayout,
  kindOf,
  type Layout,
  layoutFor,
  type NodeLayout,
  type PatroniNodeLayout,
  patroniLayout,
  shellWord,
} from './layout.js';
export { acquireLock, type HeldLock, type LockHolder } from './lock.js';
export {
  buildManifest,
  type ConnectionInfo,
  connectionInfo,
  type LocalManifest,
  writeManifest,
} from './manifest.js';
export {
  ADMIN_HOST,
  adminNamespace,
  adminNamespaceExists,
  DRILL_CLUSTER,
  type DrillNetwork,
  drillNetworkFile,
  ensureClusterNetwork,
  insideNamespace,
  mayReach,
  type NetnsHostRef,
  namespacePrefix,
  networkFaultsOf,
  networkFile,
  networkSpec,
  openClusterNetwork,
  prepareDrillNetwork,
  requireRoot,
  teardownClusterNetwork,
  teardownDrillNetwork,
} from './netns.js';
export {
  type AddressPlan,
  addressPlan,
  DEFAULTS,
  jsonKind,
  type LocalOptions,
  NETWORK_MODES,
  type NetworkMode,
  optionProblemLine,
  optionProblems,
  type ProfileName,
  validateOptions,
} from './options.js';
export {
  checkOwnership,
  MARK_FILE,
  markFile,
  newDeploymentId,
  type Operation,
  type Ownership,
  type OwnershipMark,
  readMark,
  writeMark,
} from './ownership.js';
export { canBind, findListener, type Listener, type PortHolder } from './ports.js';
export {
  type Binaries,
  type FindOptions,
  findBinaries,
  hostOs,
  installComponents,
  installedPostgresVersions,
} from './preflight.js';
export { inRecovery, loadTls, pgQuery, streamingReplicas, type TlsFiles, waitFor } from './probes.js';
export {
  cwdOf,
  isAlive,
  type ProcessRecord,
  postmasterRecord,
  processesIn,
  procStat,
  readRecord,
  removeRecord,
  type StartOptions,
  SUBREAPER,
  sendSignal,
  startService,
  stopAll,
  writeRecord,
} from './process.js';
export {
  type HaproxyCheckTiming,
  haproxySettleMs,
  LOCAL_CHECK_METHOD,
  LOCAL_HEALTH_CHECK,
  localCluster,
  type NodeFiles,
  renderNodeFiles,
} from './render.js';
export {
  ensureSecrets,
  generatePassword,
  SECRET_NAMES,
  type SecretName,
  type Secrets,
  secretFile,
} from './secrets.js';
export { type ServiceUser, serviceUser } from './service-user.js';
export {
  assertSameOptions,
  type ClusterState,
  type ComponentStatus,
  componentStatus,
  isStateDamaged,
  readClusterState,
  recordedComponents,
  writeClusterState,
} from './state.js';
export {
  type LocalStatus,
  type RunningVersion,
  runningVersions,
  type StatusRow,
  statusLocal,
} from './status.js';
export {
  type CertAndKey,
  clientFiles,
  DEPLOY_KEY_ALGORITHM,
  ensurePki,
  type PkiFiles,
  summarizeBundleChanges,
} from './tls.js';

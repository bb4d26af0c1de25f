// The public API. The modules export more (for each other and their tests); what is not listed here is
// internal and may change in any release.

export { type DeployLocalOptions, type DeployLocalResult, deployLocal } from './deploy.js';
export { type DestroyLocalOptions, type DestroyResult, destroyLocal } from './destroy.js';
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
  type HintDeployment,
  type HintNames,
  type HintOperation,
  type HintOption,
  LIBRARY_HINT_NAMES,
} from './hint-names.js';
export {
  etcdLayout,
  haproxyLayout,
  type Layout,
  layoutFor,
  type NodeLayout,
  operationHint,
  type PatroniNodeLayout,
  patroniLayout,
} from './layout.js';
export { acquireLock, type HeldLock, type LockHolder } from './lock.js';
export { type ConnectionInfo, connectionInfo, writeManifest } from './manifest.js';
export {
  adminNamespace,
  adminNamespaceExists,
  DRILL_CLUSTER,
  type DrillNetwork,
  ensureClusterNetwork,
  insideNamespace,
  type NetnsHostRef,
  networkFaultsOf,
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
  newDeploymentId,
  type Operation,
  type Ownership,
  type OwnershipMark,
  writeMark,
} from './ownership.js';
export {
  type Binaries,
  bashInstaller,
  type Environment,
  type FindOptions,
  findBinaries,
  hostOs,
  type Installer,
  type InstallOptions,
  installComponents,
  installedPostgresVersions,
} from './preflight.js';
export {
  isAlive,
  type ProcessRecord,
  postmasterRecord,
  processesIn,
  procStat,
  readRecord,
  type StartOptions,
  sendSignal,
  startService,
  stopAll,
  writeRecord,
} from './process.js';
export { type HaproxyCheckTiming, LOCAL_HEALTH_CHECK } from './render.js';
export { ensureSecrets, generatePassword, type Secrets, secretFile } from './secrets.js';
export { shellWord } from './shell-word.js';
export {
  assertSameOptions,
  type ClusterState,
  isStateDamaged,
  readClusterState,
  writeClusterState,
} from './state.js';
export { type LocalStatus, type StatusRow, statusLocal } from './status.js';
export { patroniThreadDump } from './thread-dump.js';
export { DEPLOY_KEY_ALGORITHM, summarizeBundleChanges } from './tls.js';

// The public API. The modules export more (for each other and their tests); what is not listed here is
// internal and may change in any release.

export { type EmulatorClients, emulatorClients } from './aws-api.js';
export { type BootedInstance, inContainer, terminateContainer, type VpcResult } from './boot.js';
export type { BootStageResult, VerifyOutcome } from './boot-stage.js';
export {
  drillInsideVpc,
  drillPlanFile,
  drillRehearsal,
  type InsideDrillOutput,
  type RehearsalDrillPlan,
  RehearsalDrillTarget,
  writeDrillPlan,
} from './drill.js';
export { DUMMY_CREDENTIALS, EMULATOR, type Emulator } from './emulator.js';
export {
  isRehearsalError,
  REHEARSAL_ERROR_KINDS,
  RehearsalError,
  type RehearsalErrorCode,
  type RehearsalErrorKind,
  type RehearsalErrorOptions,
  type RehearsalErrorReason,
} from './errors.js';
export type { RehearsalEvent, RehearsalEventListener } from './events.js';
export { type RehearsalLayout, rehearsalLayout } from './layout.js';
export {
  BOOT_PACKAGES,
  type BootPrerequisites,
  bootPrerequisites,
  findMotoServer,
  MOTO_INSTALL,
  MOTO_VERSION,
  type RehearsalPrerequisites,
  rehearsalPrerequisites,
} from './prereqs.js';
export { type LaunchedInstance, type LaunchedInstances, readLaunched } from './readback.js';
export {
  type DestroyRehearsalResult,
  destroyRehearsal,
  type RehearseOptions,
  type RehearseResult,
  rehearse,
} from './rehearse.js';
export { type EtcdReplacement, replaceEtcdInstance } from './replace.js';
export { type IdMapping, rehearsalConfig, type SeededResources, subnetCidrs } from './seed.js';
export {
  type RehearsalStage,
  type RehearsalState,
  readRehearsalState,
  writeRehearsalState,
} from './state.js';
export { type BootEvent, bootTimeline } from './timeline.js';
export { addressIn, inCidr, instanceNamespace, type VpcPlan, vpcNamespace, vpcPlan } from './vpc.js';

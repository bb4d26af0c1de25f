export { type ClusterMember, DrillContext, type DrillContextInit, type PatroniTiming } from './context.js';
export { type DiagnoseInput, diagnose, LOG_LINES } from './diagnose.js';
export { DirectProbe } from './direct-probe.js';
export type { PgEndpoint } from './endpoint.js';
export { DrillError, type DrillErrorCode, isDrillError } from './errors.js';
export type { DrillEvent, DrillEventListener } from './events.js';
export { type DrillObservations, foldErrors, type Measurement, measure, type StoredRow } from './measure.js';
export {
  DRILL_PROFILE_NAMES,
  DRILL_PROFILES,
  type DrillProfile,
  type DrillProfileName,
  isDrillProfileName,
  type LoadBalancerCheck,
} from './profiles.js';
export { isScenarioName, SCENARIO_NAMES, SCENARIOS, type ScenarioName, scenarioNamed } from './registry.js';
export type { DrillCheck, DrillResult, WriteFigures } from './result.js';
export {
  assertTargetCan,
  DEFAULT_CLIENTS,
  type DrillRequest,
  isDrillAborted,
  MAX_CLIENTS,
  type RunDrillOptions,
  runDrill,
  validateDrillRequest,
} from './run-drill.js';
export {
  currentPrimary,
  firstSoleAnswer,
  type Member,
  type PrimarySample,
  PrimarySampler,
} from './sampler.js';
export { defineScenario, type Scenario } from './scenario.js';
export { formatStat, formatTable, type Stat, type SummaryRow, stat, summarize } from './summary.js';
export type {
  DeployedDrillCluster,
  DrillClusterSpec,
  DrillSignal,
  DrillTarget,
  Heal,
  HostRef,
  LinkDegradation,
  LinkDirection,
  NetworkFaults,
  NodeProcess,
  ProcessFaults,
  ProcessRole,
  TargetCapability,
} from './target.js';
export { hasProcessFaults } from './target.js';
export {
  historyFileName,
  lsnToBigInt,
  onHistory,
  parseTimelineHistory,
  type TimelineHistory,
} from './timeline.js';
export {
  type AckedWrite,
  type ClientError,
  DRILL_TABLE_SQL,
  Workload,
  type WorkloadLog,
  Writer,
} from './workload.js';

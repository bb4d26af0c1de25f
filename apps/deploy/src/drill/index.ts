export {
  DRILL_PROFILE_NAMES,
  DRILL_PROFILES,
  type DrillProfile,
  type DrillProfileName,
  isDrillProfileName,
} from './profiles.js';
export {
  abortDrills,
  type DrillCheck,
  type DrillRequest,
  type DrillResult,
  runDrill,
} from './run-drill.js';
export { isScenarioName, SCENARIO_NAMES, SCENARIOS, type Scenario, type ScenarioName } from './scenarios.js';
export { formatStat, formatTable, type Stat, type SummaryRow, stat, summarize } from './summary.js';

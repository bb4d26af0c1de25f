// The public API. The modules export more (for each other and their tests); what is not listed here is
// internal and may change in any release.

export {
  type AwsBackend,
  type AwsConfig,
  type AwsSubnet,
  awsConfigProblems,
  validateAwsConfig,
} from './config.js';
export {
  type DeployAwsOptions,
  type DeployAwsResult,
  type DestroyAwsResult,
  deployAws,
  destroyAws,
} from './deploy.js';
export {
  BOOT_SERVICES,
  checkAwsNetwork,
  ec2ClientFor,
  type NetworkFacts,
  networkProblems,
  readNetworkFacts,
  type SubnetRoute,
} from './egress.js';
export {
  AWS_DEPLOY_ERROR_KINDS,
  AwsDeployError,
  type AwsDeployErrorCode,
  type AwsDeployErrorKind,
  type AwsDeployErrorOptions,
  type AwsDeployErrorReason,
  isAwsDeployError,
} from './errors.js';
export type { AwsDeployEvent, AwsDeployEventListener } from './events.js';
export { type AwsManifest, buildAwsManifest } from './manifest.js';
export { AWS_PKI_CLIENTS, ensureAwsPki } from './pki.js';
export {
  type AwsPreflight,
  type AwsTerraformOptions,
  type PlanAwsOptions,
  type PlanAwsResult,
  type PreparedAws,
  planAws,
  preflightAws,
  prepareAws,
} from './plan.js';
export { type AwsSecretInput, awsSecretInputs, awsSecretNames } from './secret-values.js';
export {
  SECRET_VERSIONS_FILE,
  type SecretVersions,
  secretFingerprint,
  syncSecretVersions,
} from './secret-versions.js';
export {
  type BackendSummary,
  findSecretValues,
  type SynthAwsOptions,
  type SynthAwsResult,
  synthAws,
} from './synth.js';
export {
  credentialSource,
  DEFAULT_PLUGIN_DIR,
  findTerraform,
  isExecutable,
  onPath,
  type PlanCounts,
  planCounts,
  redactor,
  runTerraform,
  type TerraformRun,
  TerraformSession,
  terraformEnv,
  withSecretInputs,
} from './terraform.js';

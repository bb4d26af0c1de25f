export type { AwsBackend, AwsConfig, AwsSubnet } from './config.js';
export { secretVariableName } from './secrets.js';
export {
  addAwsProvider,
  addPghaClusters,
  addStackBackend,
  awsCluster,
  loadBalancerName,
  PghaAwsStack,
  type PghaAwsStackOptions,
  type PghaClusters,
  type PghaClustersOptions,
  type StackBackend,
  synthAwsStack,
} from './stack.js';

export type { Endpoint } from '@pgha/aws-kit';
export { isPatroniStackError, PatroniStackError, type PatroniStackErrorCode } from './errors.js';
export { type AwsPatroniNodesOptions, awsPatroniNodes } from './nodes.js';
export {
  PATRONI_REST_PORT,
  PatroniCluster,
  type PatroniClusterNode,
  POSTGRES_PORT,
  REPLICA_PORT,
} from './patroni-cluster.js';
export type { ClientSource, PatroniClusterProps, SubnetPlacement } from './props.js';
export { NODE_TAG_KEY, type PatroniNodeUserDataContext, renderPatroniNodeUserData } from './user-data.js';
export { PATRONI_CLUSTER_DEFAULTS, validatePatroniClusterProps } from './validate-props.js';

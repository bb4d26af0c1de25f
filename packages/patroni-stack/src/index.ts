export type { Endpoint } from './endpoint.js';
export { isPatroniStackError, PatroniStackError, type PatroniStackErrorCode } from './errors.js';
export {
  PATRONI_DATA_VOLUME_DEVICE,
  PATRONI_REST_PORT,
  PatroniCluster,
  type PatroniNode,
  POSTGRES_PORT,
  REPLICA_PORT,
} from './patroni-cluster.js';
export type { ClientSource, PatroniClusterProps, SubnetPlacement } from './props.js';
export type { PatroniNodeUserDataContext } from './user-data.js';
export { PATRONI_CLUSTER_DEFAULTS, validatePatroniClusterProps } from './validate-props.js';

export type { Endpoint } from './endpoint.js';
export { EtcdStackError, type EtcdStackErrorCode, isEtcdStackError } from './errors.js';
export {
  ETCD_CLIENT_PORT,
  ETCD_DATA_VOLUME_DEVICE,
  ETCD_PEER_PORT,
  ETCD_PLACEHOLDER_ADDRESS,
  EtcdCluster,
  type EtcdMember,
} from './etcd-cluster.js';
export { type EtcdFaultTolerance, etcdFaultTolerance, placeMembers } from './placement.js';
export type { ClientSource, EtcdClusterProps, SubnetPlacement } from './props.js';
export { ETCD_INSTANCE_TAG_KEYS, type EtcdMemberUserDataContext } from './user-data.js';
export { ETCD_CLUSTER_DEFAULTS, validateEtcdClusterProps } from './validate-props.js';

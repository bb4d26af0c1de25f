export type { Endpoint } from '@pgha/aws-kit';
export { EtcdStackError, type EtcdStackErrorCode, isEtcdStackError } from './errors.js';
export {
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  ETCD_PLACEHOLDER_ADDRESS,
  EtcdCluster,
  type EtcdClusterMember,
} from './etcd-cluster.js';
export { type AwsEtcdMembersOptions, awsEtcdMembers } from './members.js';
export { type EtcdFaultTolerance, etcdFaultTolerance, placeMembers } from './placement.js';
export type { ClientSource, EtcdClusterProps, SubnetPlacement } from './props.js';
export { type EtcdMemberUserDataContext, MEMBER_TAG_KEY, renderEtcdMemberUserData } from './user-data.js';
export { ETCD_CLUSTER_DEFAULTS, validateEtcdClusterProps } from './validate-props.js';

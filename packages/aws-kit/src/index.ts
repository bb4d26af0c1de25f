export { addHostBase, type HostBase, type HostBaseOptions, type HostSettings } from './host.js';
export {
  type AttachOwnVolumeOptions,
  addInstanceRole,
  attachOwnVolumeStatements,
  EC2_ASSUME_ROLE_POLICY,
  type InstanceRole,
  type InstanceRoleOptions,
  type PolicyStatement,
  policyDocument,
  readSecretsStatements,
} from './iam.js';
export {
  addDataVolume,
  type DataVolumeOptions,
  IMDSV2_REQUIRED,
  MAX_USER_DATA_BYTES,
  userDataProblem,
} from './instance.js';
export {
  addInternalNlb,
  addTcpIngress,
  addWebEgress,
  type InternalNlbOptions,
  type TcpIngressOptions,
} from './network.js';
export {
  clusterNameProblem,
  commonRules,
  type HostWords,
  hostedZoneIdProblem,
  hostProblems,
} from './prop-rules.js';
export { stripUndefined } from './props.js';
export {
  cidrContains,
  cidrListProblems,
  cidrProblem,
  clientSourceProblem,
  collectProblems,
  idProblem,
  intInRangeProblem,
  invalidPropsMessage,
  isAnyAddress,
  isDnsName,
  isIpv4Cidr,
  isUnresolved,
  type Rule,
  show,
} from './rules.js';
export {
  addSecretContainer,
  addSecretsKey,
  type SecretContainerOptions,
  type SecretsKeyOptions,
} from './secrets.js';
export { RESERVED_TAG_PREFIX, StandardTagsAspect, standardTags, TAG_KEYS } from './tags.js';
export type { ClientSource, Endpoint, SubnetPlacement } from './types.js';

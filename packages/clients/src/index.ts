export { ClientError, type ClientErrorCode, type ClientErrorOptions, isClientError } from './errors.js';
export {
  type EtcdMember,
  type EtcdStatus,
  etcdHealthy,
  etcdIsLeader,
  etcdVersion,
  parseEtcdMemberList,
  parseEtcdStatus,
} from './etcd.js';
export { type RestCall, type RestPhase, type RestResponse, type RestTls, rest, restPhase } from './https.js';
export {
  type PatroniMember,
  type PatroniTimings,
  type PatroniVersions,
  parsePatroniMembers,
  patroniCluster,
  patroniTimings,
  patroniVersions,
  restBase,
} from './patroni.js';
export { closeClient, type PgClientOptions, type PgSslMode, type PgTarget, pgClient } from './pg.js';
export { Secret } from './secret.js';
export { type StepEvent, step } from './step.js';

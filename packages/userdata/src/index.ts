export {
  AWS_ETCD_LAYOUT,
  awsPatroniLayout,
  type EtcdCloudInitOptions,
  type PackagePin,
  type PatroniCloudInitOptions,
  renderEtcdBootScript,
  renderEtcdCloudInit,
  renderPatroniBootScript,
  renderPatroniCloudInit,
  USER_DATA_LIMIT_BYTES,
} from './cloud-init.js';
export {
  CLUSTER_NAME_RULE,
  type Cluster,
  type ClusterInput,
  type ClusterTiming,
  defineCluster,
  ETCD_MEMBER_COUNTS,
  type EtcdInput,
  type EtcdMember,
  type EtcdMemberInput,
  isClusterName,
  MANAGED_POSTGRES_PARAMETERS,
  PATRONI_MAX_NODES,
  PATRONI_MIN_NODES,
  type PatroniInput,
  type PatroniNode,
  type PatroniNodeInput,
  type PostgresParameterValue,
  type PostgresUsersInput,
  validateCluster,
} from './cluster.js';
export {
  assessComponents,
  type ComponentFinding,
  type ComponentInstallRequest,
  type ComponentPolicy,
  type ComponentVersions,
  componentPackages,
  componentPolicy,
  ETCD_MINIMUM,
  ETCD_PREFERRED,
  HOST_OSES,
  type HostOs,
  hostOsFromOsRelease,
  PATRONI_MINIMUM,
  type PinnedSuite,
  postgresVersionProblem,
  renderComponentInstallScript,
} from './components.js';
export { isUserdataError, type Problem, UserdataError, type UserdataErrorCode } from './errors.js';
export {
  ETCD_CIPHER_SUITES,
  type EtcdPaths,
  etcdClientUrls,
  etcdMember,
  renderEtcdConfig,
  type TlsFiles,
} from './etcd-config.js';
export {
  type Bind,
  type HaproxyHealthCheck,
  type HaproxyOptions,
  type HealthCheckMethod,
  renderHaproxyConfig,
} from './haproxy-config.js';
export {
  DEFAULT_CLUSTER_PARAMETERS,
  type PatroniPaths,
  type PgHbaOptions,
  patroniNode,
  patroniRestUrls,
  pgHbaLines,
  renderPatroniConfig,
} from './patroni-config.js';
export {
  PATRONI_SECRET_VARIABLES,
  type PatroniSecrets,
  type PatroniSecretVariable,
  patroniEnvironment,
  renderEnvironmentFile,
} from './patroni-environment.js';
export { renderPatroniPythonShim } from './patroni-python-shim.js';
export {
  type PatroniTiming,
  TIMING_PROFILE_NAMES,
  type TimingProfile,
  type TimingProfileName,
  timingProfile,
} from './timing.js';

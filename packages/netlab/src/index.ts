export { isNetlabError, NetlabError, type NetlabErrorCode, type NetlabIssue } from './errors.js';
export {
  type CutOptions,
  createNetwork,
  DEFAULT_TOOLS,
  type DegradeOptions,
  type Direction,
  type Entered,
  type EnterOptions,
  type Heal,
  type Network,
  type NetworkRecord,
  openNetwork,
  readNetworkRecord,
  type TeardownResult,
  type Tools,
  teardownRecorded,
} from './network.js';
export {
  assertNetworkSpec,
  HOST_NAME_RULE,
  type HostSpec,
  hostNamespace,
  isPrivateIpv4,
  type NetworkSpec,
  networkSpecIssues,
  PREFIX_RULE,
  switchNamespace,
} from './spec.js';

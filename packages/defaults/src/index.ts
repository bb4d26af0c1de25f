export {
  LOCAL_ADDRESS_PLAN,
  type LocalAddressPlan,
  localEtcdAddress,
  localLoadBalancerAddress,
  localPatroniAddress,
  PORTS,
  POSTGRES,
  type Ports,
  type PostgresNames,
} from './defaults.js';

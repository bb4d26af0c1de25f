/**
 * The one table of pgha defaults (in the manner of node-postgres `lib/defaults.js`): every package and app reads
 * its ports, names and local addresses from here, so no other literal `5432` is a second source of truth. A
 * cluster description (`defineCluster()` of `@pgha/userdata`) may override the service ports; the constructs,
 * renderers and the deploy app then use the description's values.
 */

/** The ports of a cluster. */
export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly postgres: number;
  readonly patroniRest: number;
  readonly loadBalancerPrimary: number;
  readonly loadBalancerReplicas: number;
}

/** PostgreSQL names clients use. */
export interface PostgresNames {
  readonly superuser: string;
  readonly database: string;
}

/** A loopback address plan: `<base>.<octet>.N`. */
export interface LocalAddressPlan {
  readonly base: string;
  readonly etcdOctet: number;
  readonly patroniOctet: number;
  readonly loadBalancerOctet: number;
}

// Frozen and typed wide (`number`, `string`), so a reader can neither change the table nor inherit its literal
// types (a `superuser` typed as the literal 'postgres' would refuse every other name).

/** Ports, when a cluster description gives none. */
export const PORTS: Ports = Object.freeze({
  /** etcd client port (TLS, client certificates required). */
  etcdClient: 2379,
  /** etcd peer port (TLS). */
  etcdPeer: 2380,
  /** PostgreSQL on each Patroni node. */
  postgres: 5432,
  /** Patroni REST API on each node (TLS); the load balancer's health checks call it. */
  patroniRest: 8008,
  /** The load balancer's primary listener (AWS NLB, local HAProxy): reaches the current primary only. */
  loadBalancerPrimary: 5432,
  /** The load balancer's replica listener: reaches healthy replicas only. */
  loadBalancerReplicas: 5433,
});

/** PostgreSQL names clients use: the superuser Patroni bootstraps and the database verify and the drills use. */
export const POSTGRES: PostgresNames = Object.freeze({
  superuser: 'postgres',
  database: 'postgres',
});

/**
 * The local target's loopback address plan: etcd members on `<base>.10.N`, Patroni nodes on `<base>.20.N`, the
 * load balancer (HAProxy) on `<base>.30.1`. Linux routes all of 127.0.0.0/8 to loopback.
 */
export const LOCAL_ADDRESS_PLAN: LocalAddressPlan = Object.freeze({
  /** First two octets of every local address. */
  base: '127.0',
  /** Third octet of the etcd members. */
  etcdOctet: 10,
  /** Third octet of the Patroni nodes. */
  patroniOctet: 20,
  /** Third octet of the load balancer. */
  loadBalancerOctet: 30,
});

/** Address of etcd member `index` (1-based) in the local plan: `<base>.10.<index>`. */
export function localEtcdAddress(index: number, base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${base}.${LOCAL_ADDRESS_PLAN.etcdOctet}.${index}`;
}

/** Address of Patroni node `index` (1-based) in the local plan: `<base>.20.<index>`. */
export function localPatroniAddress(index: number, base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${base}.${LOCAL_ADDRESS_PLAN.patroniOctet}.${index}`;
}

/** Address of the load balancer in the local plan: `<base>.30.1`. */
export function localLoadBalancerAddress(base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${base}.${LOCAL_ADDRESS_PLAN.loadBalancerOctet}.1`;
}

/** The local target's `--network netns` plan: see {@link NETNS_ADDRESS_PLAN}. */
export interface NetnsAddressPlan {
  readonly subnetPrefix: string;
  readonly adminHost: number;
}

/**
 * The local target's `--network netns` address plan: every node is a network namespace with one address in a
 * /24 that exists only inside the cluster's namespaces (on an isolated bridge, no route off the machine):
 * `<prefix>.N.0/24`, N the second octet of the loopback base (127.50 gives 10.213.50.0/24). The role octets of
 * the loopback plan fold into the last octet: etcd `.1i`, Patroni `.2i`, the load balancer `.31`; the admin
 * host, from which the CLI, verify and the drills reach the others, is `.2`.
 */
export const NETNS_ADDRESS_PLAN: NetnsAddressPlan = Object.freeze({
  /** First two octets of every netns subnet. */
  subnetPrefix: '10.213',
  /** Last octet of the admin host. */
  adminHost: 2,
});

/** The netns subnet for a loopback base: `10.213.<second octet of base>` (without the last octet). */
export function netnsNetwork(base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${NETNS_ADDRESS_PLAN.subnetPrefix}.${base.split('.')[1]}`;
}

/** Address of etcd member `index` (1-based) in the netns plan: `10.213.N.1<index>`. */
export function netnsEtcdAddress(index: number, base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${netnsNetwork(base)}.${LOCAL_ADDRESS_PLAN.etcdOctet + index}`;
}

/** Address of Patroni node `index` (1-based) in the netns plan: `10.213.N.2<index>`. */
export function netnsPatroniAddress(index: number, base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${netnsNetwork(base)}.${LOCAL_ADDRESS_PLAN.patroniOctet + index}`;
}

/** Address of the load balancer in the netns plan: `10.213.N.31`. */
export function netnsLoadBalancerAddress(base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${netnsNetwork(base)}.${LOCAL_ADDRESS_PLAN.loadBalancerOctet + 1}`;
}

/** Address of the admin host in the netns plan: `10.213.N.2`. */
export function netnsAdminAddress(base: string = LOCAL_ADDRESS_PLAN.base): string {
  return `${netnsNetwork(base)}.${NETNS_ADDRESS_PLAN.adminHost}`;
}

import { type Cluster, type ClusterInput, defineCluster } from '../src/cluster.js';
import type { EtcdPaths } from '../src/etcd-config.js';
import type { HaproxyOptions } from '../src/haproxy-config.js';
import type { PatroniPaths } from '../src/patroni-config.js';

/** The local target's address plan (DESIGN.md). */
export const localInput: ClusterInput = {
  name: 'main',
  etcd: {
    members: [
      { name: 'etcd-1', host: '127.0.10.1' },
      { name: 'etcd-2', host: '127.0.10.2' },
      { name: 'etcd-3', host: '127.0.10.3' },
    ],
  },
  patroni: {
    nodes: [
      { name: 'pg-1', host: '127.0.20.1' },
      { name: 'pg-2', host: '127.0.20.2' },
      { name: 'pg-3', host: '127.0.20.3' },
    ],
    timing: 'fast',
    allowedCidrs: ['127.0.0.0/8'],
  },
};

export const localCluster: Cluster = defineCluster(localInput);

/** An AWS-like cluster: DNS names for etcd, private IPs for Patroni, the VPC CIDR. */
export const awsInput: ClusterInput = {
  name: 'prod',
  hostOs: 'debian-12',
  etcd: {
    version: '3.5.17',
    members: [
      { name: 'etcd-1', host: 'etcd-1.prod.internal' },
      { name: 'etcd-2', host: 'etcd-2.prod.internal' },
      { name: 'etcd-3', host: 'etcd-3.prod.internal' },
    ],
  },
  patroni: {
    version: '3.2.2',
    nodes: [
      { name: 'pg-1', host: '10.0.1.10' },
      { name: 'pg-2', host: '10.0.2.10' },
      { name: 'pg-3', host: '10.0.3.10' },
    ],
    allowedCidrs: ['10.0.0.0/16'],
    parameters: { max_connections: 200, shared_buffers: '1GB', log_connections: true },
  },
};

export const awsCluster: Cluster = defineCluster(awsInput);

export function localEtcdPaths(member: string, root = '/var/lib/pgha/main'): EtcdPaths {
  return {
    dataDir: `${root}/${member}/data`,
    tls: {
      certFile: `${root}/${member}/tls/${member}.crt`,
      keyFile: `${root}/${member}/tls/${member}.key`,
      caFile: `${root}/${member}/tls/ca.crt`,
    },
  };
}

export function localPatroniPaths(
  node: string,
  root = '/var/lib/pgha/main',
  binDir = '/usr/lib/postgresql/15/bin',
): PatroniPaths {
  return {
    dataDir: `${root}/${node}/data`,
    binDir,
    pgpassFile: `${root}/${node}/pgpass`,
    socketDir: `${root}/${node}/run`,
    tls: {
      certFile: `${root}/${node}/tls/${node}.crt`,
      keyFile: `${root}/${node}/tls/${node}.key`,
      caFile: `${root}/${node}/tls/ca.crt`,
    },
  };
}

/** The local load balancer's options (the ones `pnpm run deploy` renders with). */
export const localHaproxyOptions: HaproxyOptions = {
  primary: { address: '127.0.30.1', port: 5432 },
  replicas: { address: '127.0.30.1', port: 5433 },
  caFile: '/var/lib/pgha/main/haproxy/ca.crt',
  pidFile: '/var/lib/pgha/main/haproxy/haproxy.pid',
  statsSocket: '/var/lib/pgha/main/haproxy/admin.sock',
  connectTimeoutMs: 500,
  healthCheck: {
    method: 'OPTIONS',
    intervalMs: 500,
    fastIntervalMs: 250,
    downIntervalMs: 250,
    rise: 1,
    fall: 2,
  },
};

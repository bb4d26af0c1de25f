import { describe, expect, test } from 'vitest';
import {
  LOCAL_ADDRESS_PLAN,
  localEtcdAddress,
  localLoadBalancerAddress,
  localPatroniAddress,
  NETNS_ADDRESS_PLAN,
  netnsAdminAddress,
  netnsEtcdAddress,
  netnsLoadBalancerAddress,
  netnsNetwork,
  netnsPatroniAddress,
  PORTS,
  POSTGRES,
} from './index.js';

describe('@pgha/defaults', () => {
  // The values DESIGN.md documents (the manifest, the local address plan): changing one is a breaking change.
  test('ports, names and the address plan are the documented ones', () => {
    expect(PORTS).toEqual({
      etcdClient: 2379,
      etcdPeer: 2380,
      postgres: 5432,
      patroniRest: 8008,
      loadBalancerPrimary: 5432,
      loadBalancerReplicas: 5433,
    });
    expect(POSTGRES).toEqual({ superuser: 'postgres', database: 'postgres' });
    expect(LOCAL_ADDRESS_PLAN.base).toBe('127.0');
  });

  test('the table cannot be changed by a reader', () => {
    for (const table of [PORTS, POSTGRES, LOCAL_ADDRESS_PLAN, NETNS_ADDRESS_PLAN])
      expect(Object.isFrozen(table)).toBe(true);
  });

  test('netns addresses: 10.213.N.0/24 (N from the loopback base), etcd .1i, Patroni .2i, load balancer .31, admin .2', () => {
    expect(netnsNetwork('127.50')).toBe('10.213.50');
    expect([1, 2, 3].map((i) => netnsEtcdAddress(i, '127.50'))).toEqual([
      '10.213.50.11',
      '10.213.50.12',
      '10.213.50.13',
    ]);
    expect(netnsPatroniAddress(3, '127.50')).toBe('10.213.50.23');
    expect(netnsLoadBalancerAddress('127.50')).toBe('10.213.50.31');
    expect(netnsAdminAddress('127.50')).toBe('10.213.50.2');
    expect(netnsEtcdAddress(1)).toBe('10.213.0.11');
  });

  test('local addresses: etcd <base>.10.N, Patroni <base>.20.N, load balancer <base>.30.1', () => {
    expect([1, 2, 3].map((i) => localEtcdAddress(i))).toEqual(['127.0.10.1', '127.0.10.2', '127.0.10.3']);
    expect(localPatroniAddress(2)).toBe('127.0.20.2');
    expect(localLoadBalancerAddress()).toBe('127.0.30.1');
    expect([
      localEtcdAddress(5, '127.50'),
      localPatroniAddress(1, '127.50'),
      localLoadBalancerAddress('127.50'),
    ]).toEqual(['127.50.10.5', '127.50.20.1', '127.50.30.1']);
  });

  test('the load balancer listeners differ, and no two services of a host share a port', () => {
    expect(PORTS.loadBalancerPrimary).not.toBe(PORTS.loadBalancerReplicas);
    expect(PORTS.etcdClient).not.toBe(PORTS.etcdPeer);
    expect(PORTS.postgres).not.toBe(PORTS.patroniRest);
  });
});

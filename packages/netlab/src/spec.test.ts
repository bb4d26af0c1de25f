import { describe, expect, test } from 'vitest';
import { isNetlabError } from './errors.js';
import { assertNetworkSpec, isPrivateIpv4, type NetworkSpec, networkSpecIssues } from './spec.js';

const good: NetworkSpec = {
  prefix: 'pgha-p-spec-',
  cidr: '10.213.7.0/24',
  hosts: [
    { name: 'pg-1', address: '10.213.7.21' },
    { name: 'etcd-1', address: '10.213.7.11' },
  ],
  recordFile: '/tmp/x.json',
};

describe('network spec rules', () => {
  test('a good spec has no issues', () => {
    expect(networkSpecIssues(good)).toEqual([]);
  });

  test.each([
    ['prefix', { prefix: 'Main' }, 'prefix'],
    ['prefix without a trailing dash', { prefix: 'pgha-main' }, 'prefix'],
    ['public cidr', { cidr: '8.8.8.0/24' }, 'cidr'],
    ['loopback cidr', { cidr: '127.0.0.0/24' }, 'cidr'],
    ['wider than /16', { cidr: '10.0.0.0/8' }, 'cidr'],
    ['narrower than /28', { cidr: '10.213.7.0/29' }, 'cidr'],
    ['not the network address', { cidr: '10.213.7.5/24' }, 'cidr'],
    [
      'an extra address outside the cidr and not link-local',
      { hosts: [{ name: 'a', address: '10.213.7.2', extraAddresses: ['10.213.9.1'] }] },
      'hosts[0].extraAddresses[0]',
    ],
    [
      'an extra address another host has',
      {
        hosts: [
          { name: 'a', address: '10.213.7.2' },
          { name: 'b', address: '10.213.7.3', extraAddresses: ['10.213.7.2'] },
        ],
      },
      'hosts[1].extraAddresses[0]',
    ],
    ['a gateway no host holds', { gateway: '10.213.7.1' }, 'gateway'],
    ['broadcast address', { hosts: [{ name: 'a', address: '10.213.7.255' }] }, 'hosts[0].address'],
    [
      'host name too long for a link name',
      { hosts: [{ name: 'a-very-long-name', address: '10.213.7.2' }] },
      'hosts[0].name',
    ],
    ['host named switch', { hosts: [{ name: 'switch', address: '10.213.7.2' }] }, 'hosts[0].name'],
    ['address outside the cidr', { hosts: [{ name: 'a', address: '10.213.8.2' }] }, 'hosts[0].address'],
    ['network address', { hosts: [{ name: 'a', address: '10.213.7.0' }] }, 'hosts[0].address'],
    [
      'duplicate address',
      {
        hosts: [
          { name: 'a', address: '10.213.7.2' },
          { name: 'b', address: '10.213.7.2' },
        ],
      },
      'hosts[1].address',
    ],
    ['no hosts', { hosts: [] }, 'hosts'],
  ])('%s is named with its value and the fix', (_, change, path) => {
    const issues = networkSpecIssues({ ...good, ...change } as NetworkSpec);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(/^use|^give/);
  });

  test('a /16 with a router host: extra addresses (in the subnet, link-local) and the gateway it holds', () => {
    const vpc: NetworkSpec = {
      ...good,
      cidr: '10.40.0.0/16',
      hosts: [
        { name: 'vpc', address: '10.40.0.10', extraAddresses: ['10.40.0.1', '10.40.0.2', '169.254.169.254'] },
        { name: 'etcd-1', address: '10.40.1.7' },
        { name: 'pg-1', address: '10.40.2.9' },
      ],
      gateway: '10.40.0.1',
    };
    expect(networkSpecIssues(vpc)).toEqual([]);
    expect(networkSpecIssues({ ...vpc, gateway: '10.40.0.3' }).map((i) => i.path)).toEqual(['gateway']);
    expect(networkSpecIssues({ ...vpc, cidr: '10.40.0.0/24' }).map((i) => i.path)).toEqual([
      'hosts[1].address',
      'hosts[2].address',
    ]);
  });

  test('every broken rule in one INVALID_SPEC error', () => {
    let caught: unknown;
    try {
      assertNetworkSpec({ ...good, prefix: 'X', cidr: '1.2.3.0/24' });
    } catch (error) {
      caught = error;
    }
    expect(isNetlabError(caught) && caught.code).toBe('INVALID_SPEC');
    expect(isNetlabError(caught) && caught.issues.map((i) => i.path)).toEqual(['prefix', 'cidr']);
    expect((caught as Error).message).toContain('"1.2.3.0/24"');
  });

  test('private ranges', () => {
    expect(['10.0.0.1', '172.16.0.1', '172.31.255.1', '192.168.1.1'].map(isPrivateIpv4)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['172.32.0.1', '127.0.0.1', '169.254.169.254', '8.8.8.8', '10.0.0'].map(isPrivateIpv4)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

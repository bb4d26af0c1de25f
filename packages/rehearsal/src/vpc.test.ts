import { describe, expect, test } from 'vitest';
import { dataVolumeId, nvmeById } from './instance.js';
import { haproxyConfig, type LoadBalancerView } from './nlb.js';
import type { LaunchedInstance } from './readback.js';
import { bootSteps, cloudInitStages } from './timeline.js';
import { addressIn, inCidr, vpcPlan } from './vpc.js';

const instance = (name: string, privateIp: string): LaunchedInstance => ({
  name,
  role: 'patroni',
  instanceId: `i-${name}`,
  privateIp,
  availabilityZone: 'eu-west-1a',
  subnetId: 'subnet-1',
  imageId: 'ami-1',
  instanceType: 'm7i.large',
  userDataFile: '/dev/null',
  userDataBytes: 0,
  tags: {},
});

describe('the rehearsal VPC plan', () => {
  test('services at the addresses AWS reserves, the admin host inside the admin CIDR', () => {
    const plan = vpcPlan({
      cluster: 'main',
      vpcCidr: '10.20.0.0/16',
      adminCidrs: ['10.20.200.0/24'],
      instances: [instance('pg-1', '10.20.0.4')],
    });
    expect(plan).toMatchObject({
      namespace: 'pgha-r-main-vpc',
      gateway: '10.20.0.1',
      resolver: '10.20.0.2',
      services: '10.20.0.3',
      admin: '10.20.200.10',
      prefix: 16,
    });
    // No admin CIDR in the VPC: the VPC's last usable address.
    expect(
      vpcPlan({ cluster: 'x', vpcCidr: '10.1.0.0/24', adminCidrs: ['192.168.9.0/24'], instances: [] }).admin,
    ).toBe('10.1.0.254');
  });

  test('an instance at a service address is refused, naming it', () => {
    expect(() =>
      vpcPlan({
        cluster: 'main',
        vpcCidr: '10.20.0.0/16',
        adminCidrs: [],
        instances: [instance('pg-1', '10.20.0.2')],
      }),
    ).toThrow('the emulator gave pg-1 10.20.0.2');
  });

  test('address arithmetic', () => {
    expect(addressIn('10.20.1.0/24', 250)).toBe('10.20.1.250');
    expect(addressIn('10.20.7.9/16', 258)).toBe('10.20.1.2');
    expect(inCidr('10.20.200.10', '10.20.0.0/16')).toBe(true);
    expect(inCidr('10.21.0.1', '10.20.0.0/16')).toBe(false);
  });
});

describe('the instance plumbing', () => {
  test('the data volume id from the user-data, and its NVMe by-id name', () => {
    expect(dataVolumeId("    VOLUME_ID='vol-0abc12'\n    VOLUME_DEVICE='/dev/sdf'\n")).toBe('vol-0abc12');
    expect(dataVolumeId('#cloud-config\n')).toBeUndefined();
    expect(nvmeById('vol-0abc12')).toBe('/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc12');
  });
});

describe('the NLB stand-in', () => {
  const tg = (name: string, path: string) => ({
    arn: `arn:${name}`,
    name,
    protocol: 'TCP',
    port: 5432,
    healthCheck: {
      protocol: 'HTTPS',
      port: 8008,
      path,
      intervalSeconds: 5,
      timeoutSeconds: 3,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    },
    targets: [
      { id: 'i-a', port: 5432 },
      { id: 'i-b', port: 5432 },
    ],
  });
  const lb: LoadBalancerView = {
    arn: 'arn:lb',
    name: 'main-pg',
    dnsName: 'main-pg-1.eu-west-1.elb.amazonaws.com',
    type: 'network',
    listeners: [
      { port: 5432, protocol: 'TCP', targetGroup: tg('main-pg-primary', '/primary') },
      { port: 5433, protocol: 'TCP', targetGroup: tg('main-pg-replica', '/replica?lag=16') },
    ],
  };
  const ips: Record<string, string> = { 'i-a': '10.20.0.4', 'i-b': '10.20.1.4' };

  test('one frontend per listener, the target group health check as HAProxy checks', () => {
    const cfg = haproxyConfig([{ view: lb, address: '10.20.0.250' }], (id) => ips[id]);
    const lines = cfg.split('\n').map((l) => l.trim());
    expect(lines).toContain('bind 10.20.0.250:5432');
    expect(lines).toContain('bind 10.20.0.250:5433');
    expect(lines).toContain('option httpchk GET /primary');
    expect(lines).toContain('option httpchk GET /replica?lag=16');
    expect(lines).toContain('timeout check 3s');
    expect(lines).toContain(
      'default-server inter 5s fall 3 rise 2 port 8008 check-ssl verify none on-marked-down shutdown-sessions',
    );
    expect(lines.filter((l) => l === 'server i-a 10.20.0.4:5432 check')).toHaveLength(2);
  });

  test('a target that is no booted instance is an error', () => {
    expect(() => haproxyConfig([{ view: lb, address: '10.20.0.250' }], () => undefined)).toThrow(
      'target i-a of main-pg-primary is no instance the rehearsal booted',
    );
  });
});

describe('the boot timeline', () => {
  test("cloud-init's stages from its log, pgha-boot's steps from the journal", () => {
    const log = [
      "2026-12-05 19:30:01,250 - util.py[DEBUG]: Cloud-init v. 25.1.4 running 'init-local' at Sat, 05 Dec 2026 19:30:01 +0000. Up 1.2 seconds.",
      '2026-12-05 19:30:02,000 - other line',
      "2026-12-05 19:30:05,500 - util.py[DEBUG]: Cloud-init v. 25.1.4 running 'modules:final' at Sat, 05 Dec 2026 19:30:05 +0000. Up 5.0 seconds.",
      '2026-12-05 19:30:06,000 - util.py[DEBUG]: Cloud-init v. 25.1.4 finished at Sat, 05 Dec 2026 19:30:06 +0000. Datasource DataSourceNoCloud.  Up 6.1 seconds',
    ].join('\n');
    const t0 = Date.parse('2026-12-05T19:30:00Z');
    expect(cloudInitStages(log).map(([ms, what]) => [(ms - t0) / 1000, what])).toEqual([
      [1.25, 'cloud-init init-local'],
      [5.5, 'cloud-init modules:final'],
      [6, 'cloud-init finished'],
    ]);
    const journal = [
      '1796498410.123456 ip-10-20-0-4 pgha-boot[301]: pgha-components: apt-get update',
      '1796498411.000000 ip-10-20-0-4 pgha-boot[301]: Get:1 http://10.20.0.3/debian ./ Packages',
      '1796498450.500000 ip-10-20-0-4 pgha-boot[301]: pgha-boot: pgha-patroni.service enabled and started on i-1 (10.20.0.4)',
    ].join('\n');
    expect(bootSteps(journal)).toEqual([
      [1796498410123, 'pgha-components: apt-get update'],
      [1796498450500, 'pgha-boot: pgha-patroni.service enabled and started on i-1 (10.20.0.4)'],
    ]);
  });
});

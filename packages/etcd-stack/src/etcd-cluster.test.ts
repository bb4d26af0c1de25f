import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { describe, expect, test } from 'vitest';
import {
  arr,
  baseProps,
  configOf,
  fiveZones,
  type Json,
  makeCluster,
  ofType,
  ref,
  resourceAt,
  resourcePaths,
  synthEtcd,
  userDataLocal,
  userDataOf,
} from '../test/fixtures.js';
import { isEtcdStackError } from './errors.js';
import { ETCD_PLACEHOLDER_ADDRESS } from './etcd-cluster.js';
import type { EtcdMemberUserDataContext } from './user-data.js';

describe('EtcdCluster: members', () => {
  test('one autoscaling group per member, min = max = desired = 1, each in its own subnet in order', () => {
    const { doc } = synthEtcd(baseProps);
    const asgs = ofType(doc, 'aws_autoscaling_group');
    expect(asgs).toHaveLength(3);
    for (const asg of asgs) expect([asg.min_size, asg.max_size, asg.desired_capacity]).toEqual([1, 1, 1]);
    expect(asgs.map((a) => a.vpc_zone_identifier)).toEqual([
      ['subnet-0aaaaaaa'],
      ['subnet-0bbbbbbb'],
      ['subnet-0ccccccc'],
    ]);
    expect(ofType(doc, 'aws_launch_configuration')).toHaveLength(0);
  });

  test('each ASG uses its own launch template at its latest version', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    for (const i of [1, 2, 3]) {
      const lt = resourceAt(cluster, `member-${i}/launch-template`);
      const asg = configOf(doc, resourceAt(cluster, `member-${i}/asg`));
      expect(asg.launch_template).toEqual({ id: ref(lt, 'id'), version: ref(lt, 'latest_version') });
    }
  });

  test('launch templates: IMDSv2 required, no public IP, encrypted gp3 root volume, no key pair', () => {
    const { doc } = synthEtcd(baseProps);
    const lts = ofType(doc, 'aws_launch_template');
    expect(lts).toHaveLength(3);
    for (const lt of lts) {
      expect(lt.metadata_options).toMatchObject({
        http_tokens: 'required',
        http_endpoint: 'enabled',
        http_put_response_hop_limit: 1,
      });
      expect(arr(lt.network_interfaces)).toEqual([
        expect.objectContaining({ associate_public_ip_address: 'false' }),
      ]);
      const bdm = arr(lt.block_device_mappings);
      expect(bdm).toHaveLength(1);
      expect(bdm[0]).toMatchObject({
        device_name: '/dev/xvda',
        ebs: { encrypted: 'true', volume_type: 'gp3' },
      });
      expect(lt.key_name).toBeUndefined();
    }
  });

  test('a data volume per member: encrypted gp3 in the zone of the member subnet, its id in that member user-data', () => {
    const { doc, cluster } = synthEtcd({ ...baseProps, dataVolumeSizeGiB: 40 });
    const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
    zones.forEach((zone, i) => {
      const volume = resourceAt(cluster, `member-${i + 1}/data-volume`);
      expect(configOf(doc, volume)).toMatchObject({
        availability_zone: zone,
        encrypted: true,
        type: 'gp3',
        size: 40,
      });
      const userData = userDataOf(doc, cluster, i + 1);
      expect(userData.match(/^\s*VOLUME_ID=(.*)$/m)?.[1]).toBe(`'${ref(volume, 'id')}'`);
      const lt = configOf(doc, resourceAt(cluster, `member-${i + 1}/launch-template`));
      const instanceSpec = arr(lt.tag_specifications).find((t) => t.resource_type === 'instance');
      expect(instanceSpec?.tags).toMatchObject({ 'pgha:member': `etcd-${i + 1}`, 'pgha:cluster': 'main' });
    });
  });

  test('five members over three zones are placed 2/2/1 and the arithmetic says what survives', () => {
    const { doc, cluster } = synthEtcd({ ...baseProps, cluster: makeCluster(5) });
    const subnets = ofType(doc, 'aws_autoscaling_group').map((a) => (a.vpc_zone_identifier as string[])[0]);
    expect(subnets).toEqual([
      'subnet-0aaaaaaa',
      'subnet-0bbbbbbb',
      'subnet-0ccccccc',
      'subnet-0aaaaaaa',
      'subnet-0bbbbbbb',
    ]);
    expect(cluster.members.map((m) => m.availabilityZone)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
      'eu-west-1a',
      'eu-west-1b',
    ]);
    expect(cluster.faultTolerance).toMatchObject({
      quorum: 3,
      toleratedFailures: 2,
      maxMembersPerZone: 2,
      survivesZoneLoss: true,
      survivesZoneAndMemberLoss: false,
    });
  });

  test('five members over five zones survive a zone plus one more member', () => {
    const { cluster } = synthEtcd({ ...baseProps, cluster: makeCluster(5), subnets: fiveZones });
    expect(cluster.faultTolerance).toMatchObject({ maxMembersPerZone: 1, survivesZoneAndMemberLoss: true });
  });
});

describe('EtcdCluster: DNS', () => {
  test('no SRV records: members bootstrap from the static member list, not from DNS discovery', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    expect(ofType(doc, 'aws_route53_record').filter((r) => r.type === 'SRV')).toEqual([]);
    expect(cluster.clientUrls).toEqual([1, 2, 3].map((i) => `https://etcd-${i}.main.pgha.internal:2379`));
    // Every member's config names every peer (what SRV discovery would have served).
    expect(userDataOf(doc, cluster, 1)).toContain(
      'initial-cluster: etcd-1=https://etcd-1.main.pgha.internal:2380,etcd-2=https://etcd-2.main.pgha.internal:2380,etcd-3=https://etcd-3.main.pgha.internal:2380',
    );
  });

  test('member A records exist from the start, their value left to the boot script', () => {
    const { doc } = synthEtcd({ ...baseProps, dnsTtlSeconds: 15 });
    const a = ofType(doc, 'aws_route53_record').filter((r) => r.type === 'A');
    expect(a.map((r) => r.name)).toEqual([
      'etcd-1.main.pgha.internal',
      'etcd-2.main.pgha.internal',
      'etcd-3.main.pgha.internal',
    ]);
    for (const r of a) {
      expect(r).toMatchObject({
        ttl: 15,
        records: [ETCD_PLACEHOLDER_ADDRESS],
        lifecycle: { ignore_changes: ['records'] },
      });
    }
  });

  test('creates a private zone in the VPC when no zone id is given', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    const zones = ofType(doc, 'aws_route53_zone');
    expect(zones).toHaveLength(1);
    expect(zones[0]).toMatchObject({ name: 'pgha.internal', vpc: [{ vpc_id: 'vpc-0123456789abcdef0' }] });
    const zone = resourceAt(cluster, 'hosted-zone');
    for (const r of ofType(doc, 'aws_route53_record')) expect(r.zone_id).toBe(ref(zone, 'zone_id'));
  });

  test('uses an existing zone id and creates no zone when one is given', () => {
    const { doc, cluster } = synthEtcd({ ...baseProps, hostedZoneId: 'Z0EXISTING123' });
    expect(ofType(doc, 'aws_route53_zone')).toHaveLength(0);
    for (const r of ofType(doc, 'aws_route53_record')) expect(r.zone_id).toBe('Z0EXISTING123');
    expect(cluster.hostedZoneId).toBe('Z0EXISTING123');
  });
});

describe('EtcdCluster: security groups', () => {
  const ingress = (doc: ReturnType<typeof synthEtcd>['doc']) =>
    ofType(doc, 'aws_vpc_security_group_ingress_rule');

  test('2380 and 2379 from the members themselves; nothing else by default', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    const sg = ref(resourceAt(cluster, 'security-group'), 'id');
    const rules = ingress(doc).map((r) => [
      r.from_port,
      r.to_port,
      r.referenced_security_group_id ?? r.cidr_ipv4,
    ]);
    expect(rules.sort()).toEqual([
      [2379, 2379, sg],
      [2380, 2380, sg],
    ]);
  });

  test('allowClientsFrom opens 2379 (only) to a CIDR and to a security group', () => {
    const { doc } = synthEtcd({ ...baseProps, allowClientsFrom: [{ cidr: '10.9.0.0/16' }] }, (c) =>
      c.allowClientsFrom({ securityGroupId: 'sg-0ba70000' }),
    );
    const extra = ingress(doc).filter(
      (r) => r.cidr_ipv4 === '10.9.0.0/16' || r.referenced_security_group_id === 'sg-0ba70000',
    );
    expect(extra).toHaveLength(2);
    for (const r of extra) expect([r.from_port, r.to_port, r.ip_protocol]).toEqual([2379, 2379, 'tcp']);
  });

  test('egress: etcd ports to the members, 443 (AWS APIs) and 80 (apt) out; nothing else', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    const sg = ref(resourceAt(cluster, 'security-group'), 'id');
    const egress = ofType(doc, 'aws_vpc_security_group_egress_rule').map(
      (r) => `${r.from_port}-${r.to_port}->${r.referenced_security_group_id ?? r.cidr_ipv4}`,
    );
    expect(egress.sort()).toEqual([`2379-2380->${sg}`, '443-443->0.0.0.0/0', '80-80->0.0.0.0/0'].sort());
  });

  test('admin access: 2379 only, from exactly the configured CIDRs and security group', () => {
    const { doc, cluster } = synthEtcd({
      ...baseProps,
      adminAccess: { cidrs: ['10.20.200.0/24'], securityGroupId: 'sg-0ad0ad00' },
    });
    const sg = ref(resourceAt(cluster, 'security-group'), 'id');
    const admin = ingress(doc).filter((r) => /admin access/.test(String(r.description)));
    expect(
      admin.map((r) => [
        r.security_group_id,
        r.from_port,
        r.to_port,
        r.cidr_ipv4 ?? r.referenced_security_group_id,
      ]),
    ).toEqual([
      [sg, 2379, 2379, '10.20.200.0/24'],
      [sg, 2379, 2379, 'sg-0ad0ad00'],
    ]);
  });

  test('allowClientsFrom refuses the whole internet', () => {
    expect(() => synthEtcd(baseProps, (c) => c.allowClientsFrom({ cidr: '0.0.0.0/0' }))).toThrow(
      /must not be open to every address/,
    );
  });
});

describe('EtcdCluster: IAM', () => {
  const statements = (policy: unknown) => (JSON.parse(policy as string) as { Statement: Json[] }).Statement;

  test('each member role reads only its own secret, decrypts only for it, attaches only its own volume', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    for (const i of [1, 2, 3]) {
      const secret = resourceAt(cluster, `member-${i}/tls-secret`);
      const volume = resourceAt(cluster, `member-${i}/data-volume`);
      const key = resourceAt(cluster, 'kms-key');
      const s = statements(configOf(doc, resourceAt(cluster, `member-${i}/policy`)).policy);
      const bySid = Object.fromEntries(s.map((x) => [x.Sid, x]));
      expect(bySid.ReadOwnTlsSecret?.Resource).toEqual([ref(secret, 'arn')]);
      expect(bySid.DecryptOwnTlsSecret).toMatchObject({
        Resource: [ref(key, 'arn')],
        Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': [ref(secret, 'arn')] } },
      });
      expect(bySid.AttachOwnDataVolume?.Resource).toEqual([ref(volume, 'arn')]);
      expect(bySid.UpsertOwnARecord).toMatchObject({
        Action: ['route53:ChangeResourceRecordSets'],
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`etcd-${i}.main.pgha.internal`],
          },
        },
      });
    }
  });

  test('each autoscaling group depends on its member policy: the first boot reads the secret with it', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    for (const i of [1, 2, 3]) {
      const policy = resourceAt(cluster, `member-${i}/policy`);
      expect(configOf(doc, resourceAt(cluster, `member-${i}/asg`)).depends_on).toEqual([
        `${policy.terraformResourceType}.${policy.friendlyUniqueId}`,
      ]);
    }
  });

  test('addBootDependency adds the secret versions to every autoscaling group', () => {
    const { doc, cluster } = synthEtcd(baseProps, (c) => {
      const version = new SecretsmanagerSecretVersion(c, 'version', { secretId: 'x', secretString: 'y' });
      c.addBootDependency(version);
    });
    const version = resourceAt(cluster, 'version');
    for (const i of [1, 2, 3])
      expect(configOf(doc, resourceAt(cluster, `member-${i}/asg`)).depends_on).toContain(
        `${version.terraformResourceType}.${version.friendlyUniqueId}`,
      );
  });

  test('data volumes are encrypted with the construct key, which the member roles may grant EC2', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    const key = ref(resourceAt(cluster, 'kms-key'), 'arn');
    for (const v of ofType(doc, 'aws_ebs_volume')) expect(v.kms_key_id).toBe(key);
    const s = statements(configOf(doc, resourceAt(cluster, 'member-1/policy')).policy);
    expect(s.find((x) => x.Sid === 'UseDataVolumeKey')).toMatchObject({
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: [key],
    });
  });

  test('secrets are empty containers encrypted with a rotating customer key', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    expect(ofType(doc, 'aws_secretsmanager_secret_version')).toHaveLength(0);
    expect(ofType(doc, 'aws_kms_key')).toEqual([expect.objectContaining({ enable_key_rotation: true })]);
    const key = ref(resourceAt(cluster, 'kms-key'), 'arn');
    const secrets = ofType(doc, 'aws_secretsmanager_secret');
    expect(secrets.map((s) => s.name)).toEqual([
      'pgha/main/etcd/etcd-1/tls',
      'pgha/main/etcd/etcd-2/tls',
      'pgha/main/etcd/etcd-3/tls',
    ]);
    for (const s of secrets) expect(s.kms_key_id).toBe(key);
  });

  test('a given KMS key is used and none is created', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { doc } = synthEtcd({ ...baseProps, kmsKeyArn: arn });
    expect(ofType(doc, 'aws_kms_key')).toHaveLength(0);
    for (const s of ofType(doc, 'aws_secretsmanager_secret')) expect(s.kms_key_id).toBe(arn);
  });
});

describe('EtcdCluster: client load balancer', () => {
  test('off by default', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    expect(ofType(doc, 'aws_lb')).toHaveLength(0);
    expect(cluster.loadBalancerEndpoint).toBeUndefined();
  });

  test('internal NLB on 2379 with cross-zone on, TCP checks, targets are the member ASGs', () => {
    const { doc, cluster } = synthEtcd({ ...baseProps, clientLoadBalancer: true });
    expect(ofType(doc, 'aws_lb')).toEqual([
      expect.objectContaining({
        internal: true,
        load_balancer_type: 'network',
        enable_cross_zone_load_balancing: true,
      }),
    ]);
    const tg = resourceAt(cluster, 'client-lb-target-group');
    expect(configOf(doc, tg)).toMatchObject({
      port: 2379,
      protocol: 'TCP',
      health_check: { protocol: 'TCP' },
    });
    expect(ofType(doc, 'aws_lb_listener')).toEqual([
      expect.objectContaining({ port: 2379, protocol: 'TCP' }),
    ]);
    for (const asg of ofType(doc, 'aws_autoscaling_group'))
      expect(asg.target_group_arns).toEqual([ref(tg, 'arn')]);
    expect(cluster.loadBalancerEndpoint).toEqual({ host: 'etcd.main.pgha.internal', port: 2379 });
  });
});

describe('EtcdCluster: user-data and tags', () => {
  test('the default user-data is the @pgha/userdata cloud-config with this member secret, volume, zone and name', () => {
    const { doc, cluster } = synthEtcd(baseProps);
    for (const i of [1, 2, 3]) {
      const text = userDataOf(doc, cluster, i);
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      const setting = (k: string) => text.match(new RegExp(`^\\s*${k}=(.*)$`, 'm'))?.[1];
      expect(setting('TLS_SECRET_ARN')).toBe(
        `'${ref(resourceAt(cluster, `member-${i}/tls-secret`), 'arn')}'`,
      );
      expect(setting('ZONE_ID')).toBe(`'${ref(resourceAt(cluster, 'hosted-zone'), 'zone_id')}'`);
      expect(setting('RECORD_NAME')).toBe(`'etcd-${i}.main.pgha.internal'`);
      expect(setting('RECORD_TTL')).toBe("'10'");
    }
  });

  test('a custom renderer gets each member context; the launch template base64-encodes its output', () => {
    const seen: EtcdMemberUserDataContext[] = [];
    const { doc, cluster } = synthEtcd({
      ...baseProps,
      userData: (m) => {
        seen.push(m);
        return `#cloud-config\nhostname: ${m.memberName}\nvolume: ${m.dataVolumeId}\n`;
      },
    });
    expect(seen.map((m) => [m.memberName, m.recordName, m.dnsTtlSeconds, m.cluster.name])).toEqual([
      ['etcd-1', 'etcd-1.main.pgha.internal', 10, 'main'],
      ['etcd-2', 'etcd-2.main.pgha.internal', 10, 'main'],
      ['etcd-3', 'etcd-3.main.pgha.internal', 10, 'main'],
    ]);
    for (const i of [1, 2, 3]) {
      const volume = ref(resourceAt(cluster, `member-${i}/data-volume`), 'id');
      expect(userDataOf(doc, cluster, i)).toBe(`#cloud-config\nhostname: etcd-${i}\nvolume: ${volume}\n`);
      const lt = configOf(doc, resourceAt(cluster, `member-${i}/launch-template`));
      expect(lt.user_data).toBe(`\${base64encode(local.${userDataLocal(cluster, i).friendlyUniqueId})}`);
    }
  });

  test('user-data with a literal "${" (Terraform template syntax) is refused', () => {
    expect(() =>
      synthEtcd({ ...baseProps, userData: () => `#cloud-config\nruncmd: [echo $\{HOME}]\n` }),
    ).toThrow(/contains a literal "\$\{" or "%\{"/);
  });

  test("Terraform's escapes $${ and %%{ are accepted", () => {
    const { doc, cluster } = synthEtcd({
      ...baseProps,
      userData: () => '#cloud-config\nruncmd: [echo $$' + '{HOME} %%{x}]\n',
    });
    expect(userDataOf(doc, cluster, 1)).toBe('#cloud-config\nruncmd: [echo $$' + '{HOME} %%{x}]\n');
  });

  test('user-data over 16 KiB is refused', () => {
    expect(() => synthEtcd({ ...baseProps, userData: () => `#cloud-config\n#${'x'.repeat(17000)}` })).toThrow(
      /at most 16384/,
    );
  });

  test('every taggable resource carries cluster, role and managed-by tags (plus the caller tags)', () => {
    const { doc } = synthEtcd({ ...baseProps, clientLoadBalancer: true, tags: { team: 'db' } });
    const untaggable = new Set([
      'aws_route53_record',
      'aws_iam_role_policy',
      'aws_iam_role_policy_attachment',
      'aws_kms_alias',
    ]);
    let checked = 0;
    for (const [type, byName] of Object.entries(doc.resource)) {
      if (untaggable.has(type)) continue;
      for (const cfg of Object.values(byName)) {
        checked += 1;
        const tags =
          type === 'aws_autoscaling_group'
            ? Object.fromEntries(arr(cfg.tag).map((t) => [t.key, t.value]))
            : (cfg.tags as Record<string, string>);
        expect(tags, type).toMatchObject({
          'pgha:cluster': 'main',
          'pgha:role': 'etcd',
          'pgha:managed-by': 'pgha',
          team: 'db',
        });
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('EtcdCluster: construct ids are a public contract', () => {
  test('resource construct paths', () => {
    const { cluster } = synthEtcd(
      {
        ...baseProps,
        clientLoadBalancer: true,
        adminAccess: { cidrs: ['10.20.200.0/24'], securityGroupId: 'sg-0ad0ad00' },
      },
      (c) => c.allowClientsFrom({ cidr: '10.9.0.0/16' }),
    );
    const member = (i: number) =>
      [
        'asg',
        'data-volume',
        'dns-record',
        'instance-profile',
        'launch-template',
        'policy',
        'role',
        'tls-secret',
      ].map((r) => `member-${i}/${r}`);
    expect(resourcePaths(cluster)).toEqual(
      [
        'admin-ingress-1',
        'admin-ingress-2',
        'admin-lb-ingress-1',
        'admin-lb-ingress-2',
        'client-ingress-1',
        'client-ingress-lb',
        'client-ingress-members',
        'client-lb',
        'client-lb-dns-record',
        'client-lb-egress',
        'client-lb-ingress-1',
        'client-lb-listener',
        'client-lb-security-group',
        'client-lb-target-group',
        'egress-http',
        'egress-https',
        'egress-members',
        'hosted-zone',
        'kms-alias',
        'kms-key',
        ...member(1),
        ...member(2),
        ...member(3),
        'peer-ingress',
        'security-group',
      ].sort(),
    );
  });
});

test('errors are branded and carry a stable code', () => {
  try {
    synthEtcd({ ...baseProps, zoneName: 'other.internal' });
    expect.unreachable();
  } catch (e) {
    expect(isEtcdStackError(e)).toBe(true);
    expect((e as { code: string }).code).toBe('ETCD_STACK_INVALID_PROPS');
  }
});

describe('EtcdCluster: ports from the cluster description', () => {
  // Not adjacent, so the member egress is two rules and nothing between the ports opens.
  const ports = { clientPort: 12379, peerPort: 12480 };
  const props = { ...baseProps, cluster: makeCluster(3, 'main', ports), clientLoadBalancer: true };
  const admin = { cidrs: ['10.20.200.0/24'] };

  test('security groups, the client load balancer and the user-data agree on non-default ports', () => {
    const { doc, cluster } = synthEtcd({ ...props, adminAccess: admin }, (c) =>
      c.allowClientsFrom({ cidr: '10.9.0.0/16' }),
    );
    const sg = ref(resourceAt(cluster, 'security-group'), 'id');
    const lbSg = ref(resourceAt(cluster, 'client-lb-security-group'), 'id');
    const ingress = ofType(doc, 'aws_vpc_security_group_ingress_rule').map(
      (r) =>
        `${r.security_group_id === lbSg ? 'lb' : 'member'}:${r.from_port}-${r.to_port}<-${r.referenced_security_group_id ?? r.cidr_ipv4}`,
    );
    expect(ingress.sort()).toEqual(
      [
        `member:12480-12480<-${sg}`,
        `member:12379-12379<-${sg}`,
        `member:12379-12379<-${lbSg}`,
        'member:12379-12379<-10.20.200.0/24',
        'member:12379-12379<-10.9.0.0/16',
        'lb:12379-12379<-10.20.200.0/24',
        'lb:12379-12379<-10.9.0.0/16',
      ].sort(),
    );
    const egress = ofType(doc, 'aws_vpc_security_group_egress_rule')
      .filter((r) => r.referenced_security_group_id === sg)
      .map((r) => `${r.security_group_id === lbSg ? 'lb' : 'member'}:${r.from_port}-${r.to_port}`);
    expect(egress.sort()).toEqual(['lb:12379-12379', 'member:12379-12379', 'member:12480-12480']);

    expect(configOf(doc, resourceAt(cluster, 'client-lb-target-group'))).toMatchObject({
      port: 12379,
      health_check: { protocol: 'TCP', port: 'traffic-port' },
    });
    expect(configOf(doc, resourceAt(cluster, 'client-lb-listener')).port).toBe(12379);
    expect(cluster.loadBalancerEndpoint?.port).toBe(12379);
    expect(cluster.clientEndpoints.map((e) => e.port)).toEqual([12379, 12379, 12379]);
    expect(cluster.peerEndpoints.map((e) => e.port)).toEqual([12480, 12480, 12480]);

    // What each member's etcd listens on and advertises (the rendered config in its user-data).
    for (const i of [1, 2, 3]) {
      const text = userDataOf(doc, cluster, i);
      const setting = (key: string) => text.match(new RegExp(`^\\s*${key}: (.*)$`, 'm'))?.[1];
      expect(setting('listen-client-urls')).toBe('https://0.0.0.0:12379');
      expect(setting('listen-peer-urls')).toBe('https://0.0.0.0:12480');
      expect(setting('advertise-client-urls')).toBe(`https://etcd-${i}.main.pgha.internal:12379`);
      expect(setting('initial-advertise-peer-urls')).toBe(`https://etcd-${i}.main.pgha.internal:12480`);
    }
  });

  test('adjacent ports keep the one range rule (and its construct id)', () => {
    const { doc, cluster } = synthEtcd({
      ...baseProps,
      cluster: makeCluster(3, 'main', { clientPort: 12379, peerPort: 12378 }),
    });
    expect(configOf(doc, resourceAt(cluster, 'egress-members'))).toMatchObject({
      from_port: 12378,
      to_port: 12379,
    });
    expect(resourcePaths(cluster).filter((p) => p.startsWith('egress-members'))).toEqual(['egress-members']);
  });
});

import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { Token } from 'cdktf';
import { describe, expect, test } from 'vitest';
import {
  arr,
  baseProps,
  configOf,
  type Json,
  makeCluster,
  ofType,
  ref,
  resourceAt,
  resourcePaths,
  synthPatroni,
  userDataLocal,
  userDataOf,
} from '../test/fixtures.js';
import type { PatroniNodeUserDataContext } from './user-data.js';

describe('PatroniCluster: load balancer', () => {
  test('one internal network load balancer, cross-zone on, with its own security group', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    expect(ofType(doc, 'aws_lb')).toEqual([
      expect.objectContaining({
        internal: true,
        load_balancer_type: 'network',
        enable_cross_zone_load_balancing: true,
        subnets: ['subnet-0aaaaaaa', 'subnet-0bbbbbbb', 'subnet-0ccccccc'],
        security_groups: [ref(resourceAt(cluster, 'lb-security-group'), 'id')],
      }),
    ]);
  });

  test('5432 forwards to the primary group, 5433 to the replica group', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const primary = resourceAt(cluster, 'primary-target-group');
    const replica = resourceAt(cluster, 'replica-target-group');
    const listeners = ofType(doc, 'aws_lb_listener').map((l) => [
      l.port,
      l.protocol,
      arr(l.default_action)[0],
    ]);
    expect(listeners).toEqual([
      [5432, 'TCP', { type: 'forward', target_group_arn: ref(primary, 'arn') }],
      [5433, 'TCP', { type: 'forward', target_group_arn: ref(replica, 'arn') }],
    ]);
  });

  test('target groups: TCP 5432, HTTPS health checks of the Patroni REST API on 8008 with fast valid defaults', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const check = {
      protocol: 'HTTPS',
      port: '8008',
      matcher: '200',
      interval: 5,
      timeout: 3,
      healthy_threshold: 2,
      unhealthy_threshold: 2,
    };
    expect(configOf(doc, resourceAt(cluster, 'primary-target-group'))).toMatchObject({
      port: 5432,
      protocol: 'TCP',
      target_type: 'instance',
      preserve_client_ip: 'false',
      health_check: { ...check, path: '/primary' },
    });
    expect(configOf(doc, resourceAt(cluster, 'replica-target-group'))).toMatchObject({
      port: 5432,
      protocol: 'TCP',
      health_check: { ...check, path: '/replica' },
    });
  });

  test('health check timing, replica lag bound and client IP preservation follow the props', () => {
    const { doc, cluster } = synthPatroni({
      ...baseProps,
      healthCheckIntervalSeconds: 10,
      healthCheckTimeoutSeconds: 6,
      healthyThresholdCount: 3,
      unhealthyThresholdCount: 4,
      replicaMaxLagBytes: 1048576,
      preserveClientIp: true,
    });
    const replica = configOf(doc, resourceAt(cluster, 'replica-target-group'));
    expect(replica).toMatchObject({
      preserve_client_ip: 'true',
      health_check: {
        path: '/replica?lag=1048576',
        interval: 10,
        timeout: 6,
        healthy_threshold: 3,
        unhealthy_threshold: 4,
      },
    });
  });

  test('every node is a target of both groups on 5432', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const attachments = ofType(doc, 'aws_lb_target_group_attachment');
    expect(attachments).toHaveLength(6);
    for (const i of [1, 2, 3]) {
      const instance = ref(resourceAt(cluster, `node-${i}/instance`), 'id');
      const mine = attachments.filter((a) => a.target_id === instance);
      expect(mine.map((a) => a.target_group_arn).sort()).toEqual(
        [
          ref(resourceAt(cluster, 'primary-target-group'), 'arn'),
          ref(resourceAt(cluster, 'replica-target-group'), 'arn'),
        ].sort(),
      );
      for (const a of mine) expect(a.port).toBe(5432);
    }
  });

  test('endpoints are the load balancer name, or the given alias record', () => {
    const plain = synthPatroni(baseProps).cluster;
    expect(Token.isUnresolved(plain.primaryEndpoint.host)).toBe(true);
    expect([plain.primaryEndpoint.port, plain.replicaEndpoint.port]).toEqual([5432, 5433]);
    const { doc, cluster } = synthPatroni({
      ...baseProps,
      loadBalancerDns: { hostedZoneId: 'Z0ZONE', recordName: 'db.pgha.internal' },
    });
    expect(cluster.primaryEndpoint).toEqual({ host: 'db.pgha.internal', port: 5432 });
    expect(cluster.replicaEndpoint).toEqual({ host: 'db.pgha.internal', port: 5433 });
    expect(ofType(doc, 'aws_route53_record').filter((r) => r.alias !== undefined)).toEqual([
      expect.objectContaining({ name: 'db.pgha.internal', type: 'A', zone_id: 'Z0ZONE' }),
    ]);
  });
});

describe('PatroniCluster: security groups', () => {
  const rules = (doc: ReturnType<typeof synthPatroni>['doc'], sg: string) =>
    ofType(doc, 'aws_vpc_security_group_ingress_rule')
      .filter((r) => r.security_group_id === sg)
      .map((r) => `${r.from_port}<-${r.referenced_security_group_id ?? r.cidr_ipv4}`)
      .sort();

  test('nodes: 5432 and 8008 from the load balancer and from peers, nothing else by default', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const node = ref(resourceAt(cluster, 'security-group'), 'id');
    const lb = ref(resourceAt(cluster, 'lb-security-group'), 'id');
    expect(rules(doc, node)).toEqual([`5432<-${lb}`, `5432<-${node}`, `8008<-${lb}`, `8008<-${node}`].sort());
  });

  test('load balancer: 5432 and 5433 from the VPC CIDR by default, from the given CIDRs otherwise', () => {
    const lbRules = (props = baseProps) => {
      const { doc, cluster } = synthPatroni(props);
      return rules(doc, ref(resourceAt(cluster, 'lb-security-group'), 'id'));
    };
    expect(lbRules()).toEqual(['5432<-10.20.0.0/16', '5433<-10.20.0.0/16']);
    expect(lbRules({ ...baseProps, allowedClientCidrs: ['10.20.1.0/24', '10.30.0.0/16'] })).toEqual([
      '5432<-10.20.1.0/24',
      '5432<-10.30.0.0/16',
      '5433<-10.20.1.0/24',
      '5433<-10.30.0.0/16',
    ]);
  });

  test('with client IP preservation the client networks are allowed on the nodes too', () => {
    const { doc, cluster } = synthPatroni({ ...baseProps, preserveClientIp: true });
    expect(rules(doc, ref(resourceAt(cluster, 'security-group'), 'id'))).toContain('5432<-10.20.0.0/16');
  });

  test('egress: nodes to the VPC, 443 and 80 out; the load balancer only to the nodes on 5432 and 8008', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const node = ref(resourceAt(cluster, 'security-group'), 'id');
    const lb = ref(resourceAt(cluster, 'lb-security-group'), 'id');
    const egress = ofType(doc, 'aws_vpc_security_group_egress_rule').map(
      (r) =>
        `${r.security_group_id === lb ? 'lb' : 'node'}:${r.from_port}-${r.to_port}->${r.referenced_security_group_id ?? r.cidr_ipv4}`,
    );
    expect(egress.sort()).toEqual(
      [
        'node:0-65535->10.20.0.0/16',
        'node:443-443->0.0.0.0/0',
        'node:80-80->0.0.0.0/0',
        `lb:5432-5432->${node}`,
        `lb:8008-8008->${node}`,
      ].sort(),
    );
  });

  test('SSH only with a key name and CIDRs', () => {
    const noSsh = synthPatroni(baseProps).doc;
    expect(
      ofType(noSsh, 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 22),
    ).toHaveLength(0);
    for (const i of ofType(noSsh, 'aws_instance')) expect(i.key_name).toBeUndefined();
    const { doc } = synthPatroni({ ...baseProps, sshKeyName: 'ops', sshAllowedCidrs: ['10.20.99.0/24'] });
    expect(ofType(doc, 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 22)).toEqual([
      expect.objectContaining({ to_port: 22, cidr_ipv4: '10.20.99.0/24' }),
    ]);
    for (const i of ofType(doc, 'aws_instance')) expect(i.key_name).toBe('ops');
  });

  test('admin access: REST 8008 on the nodes, 5432/5433 on the load balancer (and 5432 on the nodes with client IPs preserved), from exactly the admin source', () => {
    const admin = { cidrs: ['10.20.200.0/24'], securityGroupId: 'sg-0ad0ad00' };
    const { doc, cluster } = synthPatroni({ ...baseProps, preserveClientIp: true, adminAccess: admin });
    const node = ref(resourceAt(cluster, 'security-group'), 'id');
    const lb = ref(resourceAt(cluster, 'lb-security-group'), 'id');
    const fromAdmin = (sg: string) =>
      rules(doc, sg).filter((r) => /<-(10\.20\.200\.0\/24|sg-0ad0ad00)$/.test(r));
    expect(fromAdmin(node)).toEqual(
      ['5432<-10.20.200.0/24', '5432<-sg-0ad0ad00', '8008<-10.20.200.0/24', '8008<-sg-0ad0ad00'].sort(),
    );
    expect(fromAdmin(lb)).toEqual(
      ['5432<-10.20.200.0/24', '5432<-sg-0ad0ad00', '5433<-10.20.200.0/24', '5433<-sg-0ad0ad00'].sort(),
    );
    // No one else gets the REST API: only the load balancer, the peers and the admin source.
    expect(rules(doc, node).filter((r) => r.startsWith('8008<-'))).toEqual(
      [`8008<-${lb}`, `8008<-${node}`, '8008<-10.20.200.0/24', '8008<-sg-0ad0ad00'].sort(),
    );
  });

  test('admin CIDRs reach pg_hba as the only superuser networks; without admin access the superuser is local only', () => {
    const hbaOf = (props: typeof baseProps) => {
      const { doc, cluster } = synthPatroni(props);
      return userDataOf(doc, cluster, 1)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => / postgres /.test(l) && /^- (host|hostssl) /.test(l));
    };
    expect(
      hbaOf({ ...baseProps, preserveClientIp: true, adminAccess: { cidrs: ['10.20.200.0/24'] } }),
    ).toEqual(['- hostssl all postgres 10.20.200.0/24 scram-sha-256', '- host all postgres all reject']);
    expect(hbaOf(baseProps)).toEqual(['- host all postgres all reject']);
  });

  test('allowClientsFrom adds a security group on both listener ports', () => {
    const { doc, cluster } = synthPatroni(baseProps, (c) =>
      c.allowClientsFrom({ securityGroupId: 'sg-0a990000' }),
    );
    expect(rules(doc, ref(resourceAt(cluster, 'lb-security-group'), 'id'))).toEqual(
      ['5432<-10.20.0.0/16', '5433<-10.20.0.0/16', '5432<-sg-0a990000', '5433<-sg-0a990000'].sort(),
    );
  });
});

describe('PatroniCluster: nodes', () => {
  test('instances spread over the zones, IMDSv2 only, no public IP, encrypted root volume', () => {
    const { doc } = synthPatroni({ ...baseProps, cluster: makeCluster(5) });
    const instances = ofType(doc, 'aws_instance');
    expect(instances.map((i) => i.subnet_id)).toEqual([
      'subnet-0aaaaaaa',
      'subnet-0bbbbbbb',
      'subnet-0ccccccc',
      'subnet-0aaaaaaa',
      'subnet-0bbbbbbb',
    ]);
    for (const i of instances) {
      expect(i.metadata_options).toMatchObject({
        http_tokens: 'required',
        http_endpoint: 'enabled',
        http_put_response_hop_limit: 1,
      });
      expect(i.associate_public_ip_address).toBe(false);
      expect(i.root_block_device).toMatchObject({ encrypted: true, volume_type: 'gp3' });
    }
  });

  test('each node has an encrypted gp3 data volume in its zone, which its boot script attaches', () => {
    const { doc, cluster } = synthPatroni({ ...baseProps, dataVolumeSizeGiB: 100 });
    ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'].forEach((zone, i) => {
      const volume = resourceAt(cluster, `node-${i + 1}/data-volume`);
      expect(configOf(doc, volume)).toMatchObject({
        availability_zone: zone,
        encrypted: true,
        type: 'gp3',
        size: 100,
      });
      expect(userDataOf(doc, cluster, i + 1).match(/^\s*VOLUME_ID=(.*)$/m)?.[1]).toBe(
        `'${ref(volume, 'id')}'`,
      );
    });
  });

  test('the root volume is tagged through root_block_device, never volume_tags (which would rewrite the data volume tags)', () => {
    const { doc } = synthPatroni(baseProps);
    ofType(doc, 'aws_instance').forEach((i, n) => {
      expect(i.volume_tags).toBeUndefined();
      expect((i.root_block_device as Json).tags).toMatchObject({
        Name: `main-pg-${n + 1}-root`,
        'pgha:node': `pg-${n + 1}`,
      });
    });
  });

  test('each instance depends on its node policy, and addBootDependency adds the secret versions', () => {
    const { doc, cluster } = synthPatroni(baseProps, (c) => {
      c.addBootDependency(
        new SecretsmanagerSecretVersion(c, 'version', { secretId: 'x', secretString: 'y' }),
      );
    });
    const fqn = (r: ReturnType<typeof resourceAt>) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;
    for (const i of [1, 2, 3])
      expect(configOf(doc, resourceAt(cluster, `node-${i}/instance`)).depends_on).toEqual([
        fqn(resourceAt(cluster, `node-${i}/policy`)),
        fqn(resourceAt(cluster, 'version')),
      ]);
  });

  test('a new AMI or user-data does not replace every node in one apply', () => {
    const { doc } = synthPatroni(baseProps);
    for (const i of ofType(doc, 'aws_instance')) {
      expect((i.lifecycle as { ignore_changes: string[] }).ignore_changes).toEqual(
        expect.arrayContaining(['ami', 'user_data']),
      );
    }
  });

  test('each node role reads only its own TLS secret and the passwords, decrypting only for those', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const passwords = ref(resourceAt(cluster, 'passwords-secret'), 'arn');
    const key = ref(resourceAt(cluster, 'kms-key'), 'arn');
    for (const i of [1, 2, 3]) {
      const tls = ref(resourceAt(cluster, `node-${i}/tls-secret`), 'arn');
      const policy = JSON.parse(configOf(doc, resourceAt(cluster, `node-${i}/policy`)).policy as string) as {
        Statement: Json[];
      };
      const volume = ref(resourceAt(cluster, `node-${i}/data-volume`), 'arn');
      expect(policy.Statement.map((x) => x.Sid)).toEqual([
        'ReadOwnSecrets',
        'DecryptOwnSecrets',
        'AttachOwnDataVolume',
        'AttachToOwnNodeInstance',
        'WatchVolumeState',
        'UseDataVolumeKey',
      ]);
      expect(policy.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Sid: 'ReadOwnSecrets', Resource: [tls, passwords] }),
          expect.objectContaining({
            Sid: 'DecryptOwnSecrets',
            Resource: [key],
            Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': [tls, passwords] } },
          }),
          expect.objectContaining({ Sid: 'AttachOwnDataVolume', Resource: [volume] }),
          expect.objectContaining({
            Sid: 'AttachToOwnNodeInstance',
            Condition: {
              StringEquals: {
                'aws:ResourceTag/pgha:cluster': 'main',
                'aws:ResourceTag/pgha:node': `pg-${i}`,
              },
            },
          }),
        ]),
      );
    }
  });

  test('secret containers only (no versions), encrypted with a rotating customer key', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    expect(ofType(doc, 'aws_secretsmanager_secret_version')).toHaveLength(0);
    expect(ofType(doc, 'aws_kms_key')).toEqual([expect.objectContaining({ enable_key_rotation: true })]);
    const secrets = ofType(doc, 'aws_secretsmanager_secret');
    expect(secrets.map((s) => s.name).sort()).toEqual([
      'pgha/main/patroni/passwords',
      'pgha/main/patroni/pg-1/tls',
      'pgha/main/patroni/pg-2/tls',
      'pgha/main/patroni/pg-3/tls',
    ]);
    for (const s of secrets) expect(s.kms_key_id).toBe(ref(resourceAt(cluster, 'kms-key'), 'arn'));
    expect(cluster.passwordsSecretName).toBe('pgha/main/patroni/passwords');
  });

  test('the default user-data is the @pgha/userdata cloud-config with this node secrets and volume', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    const passwords = ref(resourceAt(cluster, 'passwords-secret'), 'arn');
    for (const i of [1, 2, 3]) {
      const text = userDataOf(doc, cluster, i);
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      const setting = (k: string) => text.match(new RegExp(`^\\s*${k}=(.*)$`, 'm'))?.[1];
      expect(setting('TLS_SECRET_ARN')).toBe(`'${ref(resourceAt(cluster, `node-${i}/tls-secret`), 'arn')}'`);
      expect(setting('PASSWORDS_SECRET_ARN')).toBe(`'${passwords}'`);
      const instance = configOf(doc, resourceAt(cluster, `node-${i}/instance`));
      expect(instance.user_data).toBe(`\${local.${userDataLocal(cluster, i).friendlyUniqueId}}`);
    }
  });

  test('node DNS names point at the instances', () => {
    const { doc, cluster } = synthPatroni(baseProps);
    for (const i of [1, 2, 3]) {
      expect(configOf(doc, resourceAt(cluster, `node-${i}/dns-record`))).toMatchObject({
        zone_id: 'Z0ZONE123',
        name: `pg-${i}.main.pgha.internal`,
        type: 'A',
        records: [ref(resourceAt(cluster, `node-${i}/instance`), 'private_ip')],
      });
    }
  });

  test('a custom renderer gets each node context', () => {
    const seen: PatroniNodeUserDataContext[] = [];
    const { doc, cluster } = synthPatroni({
      ...baseProps,
      userData: (n) => {
        seen.push(n);
        return `#cloud-config\nhostname: ${n.nodeName}\nvolume: ${n.dataVolumeId}\n`;
      },
    });
    expect(seen.map((n) => [n.nodeName, n.cluster.name])).toEqual([
      ['pg-1', 'main'],
      ['pg-2', 'main'],
      ['pg-3', 'main'],
    ]);
    for (const i of [1, 2, 3]) {
      const volume = ref(resourceAt(cluster, `node-${i}/data-volume`), 'id');
      expect(userDataOf(doc, cluster, i)).toBe(`#cloud-config\nhostname: pg-${i}\nvolume: ${volume}\n`);
    }
  });

  test('user-data with a literal "%{" (Terraform template syntax) is refused', () => {
    expect(() => synthPatroni({ ...baseProps, userData: () => '#cloud-config\n# %{ if x }\n' })).toThrow(
      /contains a literal "\$\{" or "%\{"/,
    );
  });

  test('every taggable resource carries cluster, role and managed-by tags', () => {
    const { doc } = synthPatroni({ ...baseProps, tags: { team: 'db' } });
    const untaggable = new Set([
      'aws_route53_record',
      'aws_iam_role_policy',
      'aws_iam_role_policy_attachment',
      'aws_kms_alias',
      'aws_lb_target_group_attachment',
    ]);
    let checked = 0;
    for (const [type, byName] of Object.entries(doc.resource)) {
      if (untaggable.has(type)) continue;
      for (const cfg of Object.values(byName)) {
        checked += 1;
        expect(cfg.tags, type).toMatchObject({
          'pgha:cluster': 'main',
          'pgha:role': 'patroni',
          'pgha:managed-by': 'pgha',
          team: 'db',
        });
      }
    }
    expect(checked).toBeGreaterThan(25);
  });
});

describe('PatroniCluster: construct ids are a public contract', () => {
  test('resource construct paths', () => {
    const { cluster } = synthPatroni({
      ...baseProps,
      sshKeyName: 'ops',
      sshAllowedCidrs: ['10.20.99.0/24'],
      loadBalancerDns: { hostedZoneId: 'Z0ZONE', recordName: 'db.pgha.internal' },
      preserveClientIp: true,
      adminAccess: { cidrs: ['10.20.200.0/24'], securityGroupId: 'sg-0ad0ad00' },
    });
    const node = (i: number) =>
      [
        'data-volume',
        'dns-record',
        'instance',
        'instance-profile',
        'policy',
        'primary-target',
        'replica-target',
        'role',
        'tls-secret',
      ].map((r) => `node-${i}/${r}`);
    expect(resourcePaths(cluster)).toEqual(
      [
        'admin-1-node',
        'admin-1-primary',
        'admin-1-replica',
        'admin-1-rest',
        'admin-2-node',
        'admin-2-primary',
        'admin-2-replica',
        'admin-2-rest',
        'client-1-node',
        'client-1-primary',
        'client-1-replica',
        'egress-http',
        'egress-https',
        'egress-vpc',
        'kms-alias',
        'kms-key',
        'lb',
        'lb-dns-record',
        'lb-egress-pg',
        'lb-egress-rest',
        'lb-security-group',
        ...node(1),
        ...node(2),
        ...node(3),
        'passwords-secret',
        'pg-from-lb',
        'pg-from-peers',
        'primary-listener',
        'primary-target-group',
        'replica-listener',
        'replica-target-group',
        'rest-from-lb',
        'rest-from-peers',
        'security-group',
        'ssh-1',
      ].sort(),
    );
  });
});

describe('PatroniCluster: ports from the cluster description', () => {
  const ports = { etcdClientPort: 12379, postgresPort: 15432, restPort: 18008 };
  const props = { ...baseProps, cluster: makeCluster(3, ['10.20.0.0/16'], undefined, ports) };

  test('security groups, target groups and the user-data agree on non-default ports', () => {
    const admin = { cidrs: ['10.20.200.0/24'] };
    const { doc, cluster } = synthPatroni({ ...props, preserveClientIp: true, adminAccess: admin });
    const node = ref(resourceAt(cluster, 'security-group'), 'id');
    const lb = ref(resourceAt(cluster, 'lb-security-group'), 'id');
    const rules = (type: string) =>
      ofType(doc, type)
        .filter((r) => r.security_group_id === node || r.security_group_id === lb)
        .map(
          (r) =>
            `${r.security_group_id === lb ? 'lb' : 'node'}:${r.from_port}-${r.to_port}:${r.referenced_security_group_id ?? r.cidr_ipv4}`,
        )
        .sort();
    expect(rules('aws_vpc_security_group_ingress_rule')).toEqual(
      [
        `node:15432-15432:${lb}`,
        `node:15432-15432:${node}`,
        `node:18008-18008:${lb}`,
        `node:18008-18008:${node}`,
        'node:18008-18008:10.20.200.0/24',
        // Client IPs preserved: the clients reach the nodes' PostgreSQL port.
        'node:15432-15432:10.20.0.0/16',
        'node:15432-15432:10.20.200.0/24',
        // The listeners are the client-facing ports and stay 5432/5433.
        'lb:5432-5432:10.20.0.0/16',
        'lb:5433-5433:10.20.0.0/16',
        'lb:5432-5432:10.20.200.0/24',
        'lb:5433-5433:10.20.200.0/24',
      ].sort(),
    );
    expect(rules('aws_vpc_security_group_egress_rule').filter((r) => r.startsWith('lb:'))).toEqual([
      `lb:15432-15432:${node}`,
      `lb:18008-18008:${node}`,
    ]);

    for (const group of ['primary-target-group', 'replica-target-group']) {
      expect(configOf(doc, resourceAt(cluster, group))).toMatchObject({
        port: 15432,
        health_check: { protocol: 'HTTPS', port: '18008' },
      });
    }
    const attachments = ofType(doc, 'aws_lb_target_group_attachment');
    expect(attachments).toHaveLength(6);
    for (const a of attachments) expect(a.port).toBe(15432);
    expect(ofType(doc, 'aws_lb_listener').map((l) => l.port)).toEqual([5432, 5433]);
    expect([cluster.primaryEndpoint.port, cluster.replicaEndpoint.port]).toEqual([5432, 5433]);

    // What each node's Patroni and PostgreSQL listen on, and the etcd port it dials (its rendered config).
    for (const i of [1, 2, 3]) {
      const text = userDataOf(doc, cluster, i);
      const all = (key: string) =>
        [...text.matchAll(new RegExp(`^\\s*${key}: (.*)$`, 'gm'))].map((m) => m[1]);
      // restapi first, then postgresql.
      expect(all('listen')).toEqual(['0.0.0.0:18008', '0.0.0.0:15432']);
      expect(all('connect_address')).toEqual([
        `pg-${i}.main.pgha.internal:18008`,
        `pg-${i}.main.pgha.internal:15432`,
      ]);
      const etcdHosts = [...text.matchAll(/^\s*- (etcd-\d\.main\.pgha\.internal:\d+)$/gm)].map((m) => m[1]);
      expect(etcdHosts).toEqual([1, 2, 3].map((m) => `etcd-${m}.main.pgha.internal:12379`));
    }
  });
});

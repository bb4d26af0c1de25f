import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { etcdOptions, patroniOptions } from '../test/aws.js';
import { awsCluster, awsInput } from '../test/fixtures.js';
import {
  AWS_ETCD_LAYOUT,
  awsPatroniLayout,
  renderEtcdBootScript,
  renderEtcdCloudInit,
  renderPatroniBootScript,
  renderPatroniCloudInit,
  USER_DATA_LIMIT_BYTES,
} from './cloud-init.js';
import { defineCluster } from './cluster.js';
import { renderComponentInstallScript } from './components.js';
import { isUserdataError } from './errors.js';
import { renderEtcdConfig } from './etcd-config.js';
import { renderPatroniConfig } from './patroni-config.js';
import {
  BOOT_SCRIPT,
  COMPONENTS_INSTALL_SCRIPT,
  ETCD_UNIT,
  PATRONI_UNIT,
  WRITE_SECRET_PY,
} from './private/templates.js';

// The exact documents are `.cloud-config` files, not `.yml`: byte-exact renderer output no formatter may touch.
const expected = (name: string) => readFileSync(new URL(`../test/expected/${name}`, import.meta.url), 'utf8');

interface WriteFile {
  path: string;
  owner: string;
  permissions: string;
  content: string;
}
interface CloudConfig {
  bootcmd: string[][];
  package_update?: boolean;
  packages?: (string | string[])[];
  write_files: WriteFile[];
  runcmd: string[][];
}

function load(text: string): CloudConfig {
  expect(text.startsWith('#cloud-config\n')).toBe(true);
  return parse(text, { version: '1.1' }) as CloudConfig;
}

function files(doc: CloudConfig): Record<string, Omit<WriteFile, 'path'>> {
  return Object.fromEntries(doc.write_files.map(({ path, ...rest }) => [path, rest]));
}

describe('renderEtcdCloudInit', () => {
  test('etcd-1: exact document', () => {
    expect(renderEtcdCloudInit(awsCluster, 'etcd-1', etcdOptions)).toBe(
      expected('cloud-init-etcd-1.cloud-config'),
    );
  });

  test('carries exactly the renderer outputs, with owners and modes', () => {
    const doc = load(renderEtcdCloudInit(awsCluster, 'etcd-2', { ...etcdOptions, packages: undefined }));
    expect(doc.bootcmd).toEqual([['systemctl', 'mask', 'etcd.service']]);
    // No cloud-init package module: the boot script installs through the component policy's script.
    expect(doc.packages).toBeUndefined();
    expect(doc.package_update).toBeUndefined();
    // cloud-init runs once per instance: it only enables and starts (without waiting) the unit that boots.
    expect(doc.runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'pgha-boot.service'],
      ['systemctl', 'start', '--no-block', 'pgha-boot.service'],
    ]);
    const f = files(doc);
    expect(Object.keys(f)).toEqual([
      '/usr/local/sbin/pgha-install-components',
      '/etc/pgha/etcd.yml',
      '/etc/systemd/system/pgha-etcd.service',
      '/usr/local/lib/pgha/write-secret',
      '/usr/local/sbin/pgha-boot',
      '/etc/systemd/system/pgha-boot.service',
    ]);
    expect(f['/etc/pgha/etcd.yml']).toEqual({
      owner: 'root:root',
      permissions: '0644',
      content: renderEtcdConfig(awsCluster, 'etcd-2', AWS_ETCD_LAYOUT.paths),
    });
    expect(f['/usr/local/sbin/pgha-boot']).toEqual({
      owner: 'root:root',
      permissions: '0700',
      content: renderEtcdBootScript(awsCluster, 'etcd-2', etcdOptions),
    });
    expect(f['/usr/local/lib/pgha/write-secret']?.content).toBe(WRITE_SECRET_PY);
    expect(f['/usr/local/sbin/pgha-install-components']).toEqual({
      owner: 'root:root',
      permissions: '0700',
      content: renderComponentInstallScript('debian-12', { etcd: true, extraPackages: ['awscli', 'curl'] }),
    });
    expect(f['/etc/systemd/system/pgha-etcd.service']?.content).toBe(`[Unit]
Description=etcd member etcd-2 of cluster prod (pgha)
Documentation=https://etcd.io/docs
After=network-online.target
Wants=network-online.target
RequiresMountsFor=/var/lib/pgha/etcd

[Service]
# Ready only with a quorum: never time out a member waiting for its peers (pgha-boot does not wait).
Type=notify
TimeoutStartSec=infinity
User=etcd
Group=etcd
ExecStart=/usr/bin/etcd --config-file /etc/pgha/etcd.yml
Restart=on-failure
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`);
    // Boot is a unit that runs at every boot and retries with backoff until it succeeds, never given up.
    expect(f['/etc/systemd/system/pgha-boot.service']).toEqual({
      owner: 'root:root',
      permissions: '0644',
      content: `[Unit]
Description=pgha boot of etcd etcd-2 of cluster prod
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pgha-boot --backoff
Restart=on-failure
RestartSec=1
TimeoutStartSec=30min
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
`,
    });
  });

  test('the boot script starts its service without waiting for it (etcd is ready only with a quorum)', () => {
    const script = renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions);
    const systemctl = script
      .split('\n')
      .filter((l) => /^\s*systemctl /.test(l))
      .map((l) => l.trim());
    expect(systemctl).toEqual([
      'systemctl daemon-reload',
      'systemctl enable "$SERVICE"',
      'systemctl start --no-block "$SERVICE"',
    ]);
  });

  test('the boot script names this member, its volume and its DNS record', () => {
    const script = renderEtcdBootScript(awsCluster, 'etcd-3', {
      ...etcdOptions,
      dns: { hostedZoneId: 'ZABC', ttlSeconds: 15 },
    });
    const settings = script.split('\n').filter((l) => /^[A-Z_]+=/.test(l));
    expect(settings).toEqual([
      "ROLE='etcd'",
      "INSTALL_COMPONENTS='/usr/local/sbin/pgha-install-components'",
      "SERVICE='pgha-etcd.service'",
      "SERVICE_USER='etcd'",
      "TLS_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/etcd-1/tls-AbCdEf'",
      "TLS_DIR='/etc/pgha/tls'",
      "VOLUME_ID='vol-0123456789abcdef0'",
      "VOLUME_DEVICE='/dev/sdf'",
      "MOUNT_POINT='/var/lib/pgha/etcd'",
      "DATA_DIR='/var/lib/pgha/etcd/data'",
      "ZONE_ID='ZABC'",
      "RECORD_NAME='etcd-3.prod.internal'",
      "RECORD_TTL='15'",
      'WRITE_SECRET=/usr/local/lib/pgha/write-secret',
      'FSTAB=/etc/fstab',
      'ATTEMPTS=/run/pgha-boot.attempts',
    ]);
  });
});

describe('renderPatroniCloudInit', () => {
  test('pg-1: exact document', () => {
    expect(renderPatroniCloudInit(awsCluster, 'pg-1', patroniOptions)).toBe(
      expected('cloud-init-pg-1.cloud-config'),
    );
  });

  test('carries the Patroni config for AWS paths, no default PostgreSQL cluster, the env-file unit', () => {
    const doc = load(renderPatroniCloudInit(awsCluster, 'pg-2', patroniOptions));
    expect(doc.bootcmd).toEqual([['systemctl', 'mask', 'patroni.service']]);
    const f = files(doc);
    expect(f['/usr/local/sbin/pgha-install-components']?.content).toBe(
      renderComponentInstallScript('debian-12', {
        patroni: true,
        postgresVersion: 15,
        extraPackages: ['awscli', 'curl'],
      }),
    );
    const layout = awsPatroniLayout(awsCluster);
    expect(f['/etc/postgresql-common/createcluster.conf']?.content).toBe('create_main_cluster = false\n');
    expect(f['/etc/pgha/patroni.yml']?.content).toBe(
      renderPatroniConfig(awsCluster, 'pg-2', layout.paths, { superuserCidrs: ['10.0.200.0/24'] }),
    );
    // The superuser from the admin network only: the VPC-wide client line admits every role but it.
    expect(parse(f['/etc/pgha/patroni.yml']?.content ?? '', { version: '1.1' }).postgresql.pg_hba).toEqual(
      expect.arrayContaining([
        'hostssl all postgres 10.0.200.0/24 scram-sha-256',
        'host all postgres all reject',
      ]),
    );
    expect(f['/usr/local/sbin/pgha-boot']?.content).toBe(
      renderPatroniBootScript(awsCluster, 'pg-2', patroniOptions),
    );
    expect(f['/etc/systemd/system/pgha-patroni.service']?.content).toMatch(
      /\nUser=postgres\nGroup=postgres\nEnvironmentFile=\/etc\/pgha\/secrets\/patroni\.env\nExecStart=\/usr\/bin\/patroni \/etc\/pgha\/patroni\.yml\n/,
    );
    expect(layout.paths.binDir).toBe('/usr/lib/postgresql/15/bin');
  });

  test('a Debian 13 AMI installs PostgreSQL 17 and the suite own Patroni, and runs 17', () => {
    const cluster = defineCluster({ ...awsInput, hostOs: 'debian-13', patroni: { ...awsInput.patroni } });
    expect(cluster.patroni.postgresVersion).toBe(17);
    const f = files(load(renderPatroniCloudInit(cluster, 'pg-1', patroniOptions)));
    const install = f['/usr/local/sbin/pgha-install-components']?.content ?? '';
    expect(install).toContain("set -- 'patroni' 'python3-etcd' 'postgresql-17' 'awscli' 'curl'\n");
    expect(install).not.toContain('trixie.sources'); // no second suite on Debian 13
    expect(parse(f['/etc/pgha/patroni.yml']?.content ?? '', { version: '1.1' }).postgresql.bin_dir).toBe(
      '/usr/lib/postgresql/17/bin',
    );
  });

  test('a PostgreSQL the AMI suite does not ship is refused at definition, naming the field', () => {
    expect(() =>
      defineCluster({
        ...awsInput,
        hostOs: 'debian-13',
        patroni: { ...awsInput.patroni, postgresVersion: 15 },
      }),
    ).toThrow(/patroni\.postgresVersion: debian-13 ships PostgreSQL 17 only \(no postgresql-15\)/);
  });

  test('without hostOs there is nothing to install by: refused, naming cluster.hostOs', () => {
    const { hostOs: _, ...withoutOs } = awsInput;
    expect(() => renderPatroniCloudInit(defineCluster(withoutOs), 'pg-1', patroniOptions)).toThrow(
      /cluster\.hostOs: give the AMI's OS/,
    );
  });

  test('hostile parameter values survive through Patroni YAML inside cloud-config YAML', () => {
    const hostile = `it's "x" & y: #z {{w}} <b> ünïcode ✓ $HOME \`id\``;
    const cluster = defineCluster({
      name: 'prod',
      hostOs: 'debian-12',
      etcd: { members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `etcd-${i}.prod.internal` })) },
      patroni: {
        nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `10.0.${i}.10` })),
        allowedCidrs: ['10.0.0.0/16'],
        parameters: { application_name: hostile, 'pgha.note': '{{sh x}}' },
      },
    });
    const text = renderPatroniCloudInit(cluster, 'pg-1', patroniOptions);
    const inner = parse(files(load(text))['/etc/pgha/patroni.yml']?.content ?? '', { version: '1.1' });
    expect(inner.bootstrap.dcs.postgresql.parameters).toEqual({
      wal_retrieve_retry_interval: '1s',
      application_name: hostile,
      'pgha.note': '{{sh x}}',
    });
    expect(text).not.toMatch(/&amp;|&quot;|&#x27;|&#39;|&lt;|&gt;|&#x60;|&#x3D;/);
  });
});

describe('user data safety', () => {
  const big = defineCluster({
    name: 'a-long-cluster-name-of-32-chars',
    hostOs: 'debian-12',
    etcd: {
      members: [1, 2, 3, 4, 5].map((i) => ({
        name: `etcd-member-with-a-long-name-${i}`,
        host: `etcd-member-with-a-long-name-${i}.a-long-cluster-name-of-32-chars.example.internal`,
      })),
    },
    patroni: {
      nodes: [1, 2, 3, 4, 5].map((i) => ({
        name: `patroni-node-with-a-long-name-${i}`,
        host: `10.100.${i}.200`,
      })),
      allowedCidrs: ['10.100.0.0/16', '172.16.0.0/12', '192.168.0.0/16'],
      parameters: { shared_buffers: '4GB', max_connections: 500, work_mem: '16MB' },
    },
  });
  const docs = [
    ['etcd', renderEtcdCloudInit(big, 'etcd-member-with-a-long-name-5', etcdOptions)],
    ['patroni', renderPatroniCloudInit(big, 'patroni-node-with-a-long-name-5', patroniOptions)],
  ] as const;

  test.each(docs)('%s user data stays under 16 KB with 5 members and long names', (_, text) => {
    expect(Buffer.byteLength(text)).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });

  test.each(docs)('%s user data carries no key, password or Terraform interpolation', (_, text) => {
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|BEGIN CERTIFICATE|password:|_PASSWORD=/);
    // Terraform reads ${...} and %{...} in user_data strings as template syntax.
    expect(text).not.toMatch(/\$\{|%\{/);
  });

  test('tokens pass through unchecked and single-quoted', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CDK for Terraform token is literally this text
    const token = '${TfToken[TOKEN.42]}';
    const script = renderPatroniBootScript(awsCluster, 'pg-1', {
      tlsSecretArn: token,
      passwordsSecretArn: token,
      dataVolumeId: token,
    });
    expect(script).toMatch(/\nTLS_SECRET_ARN='\$\{TfToken\[TOKEN\.42\]\}'\n/);
    expect(script).toMatch(/\nVOLUME_ID='\$\{TfToken\[TOKEN\.42\]\}'\n/);
  });

  test('bad ARNs, volume ids, zone ids and record names are all reported', () => {
    let caught: unknown;
    try {
      renderEtcdCloudInit(defineCluster({ ...awsInputWithIps() }), 'etcd-1', {
        tlsSecretArn: "arn:aws:secretsmanager:eu-west-1:123:secret:x'; rm -rf /",
        dataVolumeId: 'vol-XYZ',
        dns: { hostedZoneId: 'zone' },
      });
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    expect((caught as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual([
      'options.tlsSecretArn',
      'options.dataVolumeId',
      'options.dns.hostedZoneId',
      'options.dns.recordName',
    ]);
  });

  test('templates take values only through the quoting helpers', () => {
    for (const template of [
      BOOT_SCRIPT,
      ETCD_UNIT,
      PATRONI_UNIT,
      WRITE_SECRET_PY,
      COMPONENTS_INSTALL_SCRIPT,
    ]) {
      const mustaches = template.match(/\{\{[^}]*\}\}/g) ?? [];
      for (const m of mustaches) expect(m).toMatch(/^\{\{(sh |unit |#if |\/if\}|#each |\/each\}|else\})/);
    }
  });
});

function awsInputWithIps() {
  return {
    name: 'prod',
    hostOs: 'debian-12' as const,
    etcd: { members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `10.0.${i}.4` })) },
    patroni: {
      nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `10.0.${i}.10` })),
      allowedCidrs: ['10.0.0.0/16'],
    },
  };
}

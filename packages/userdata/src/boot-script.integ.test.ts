import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { etcdOptions, patroniOptions } from '../test/aws.js';
import { awsCluster } from '../test/fixtures.js';
import { run, tempDir } from '../test/tools.js';
import { renderEtcdBootScript, renderPatroniBootScript } from './cloud-init.js';
import { WRITE_SECRET_PY } from './private/templates.js';

// The boot script run for real by bash, with stand-ins for what only exists on EC2 (instance metadata, the
// aws CLI, block devices, mount, systemctl). Each stand-in logs its arguments; the test checks the order of
// the calls, what was written and what was decided (format or not), and that no secret reaches the output.

const STUBS: Record<string, string> = {
  curl: `case "$*" in
  *api/token*) printf tok ;;
  *meta-data/instance-id*) printf i-0new ;;
  *meta-data/local-ipv4*) printf 10.0.1.23 ;;
  *meta-data/placement/region*) printf eu-west-1 ;;
  *) exit 22 ;;
esac`,
  aws: `case "$*" in
  *secretsmanager\\ get-secret-value*secret:prod/passwords*) cat "$STUB_DIR/passwords.json" ;;
  *secretsmanager\\ get-secret-value*) cat "$STUB_DIR/tls.json" ;;
  *ec2\\ describe-volumes*) printf '%s\\n' "$STUB_ATTACHED" ;;
  *route53\\ change-resource-record-sets*)
    while [ "$#" -gt 0 ]; do [ "$1" = --change-batch ] && printf '%s' "$2" >"$STUB_DIR/batch.json"; shift; done
    printf '/change/C123\\n' ;;
esac`,
  id: 'printf 0',
  install: 'for last in "$@"; do :; done; mkdir -p "$last"',
  blkid: `case "$1" in
  -p) exit "$STUB_BLKID" ;;
  -s) printf 'uuid-1234\\n' ;;
esac`,
  'mkfs.ext4': 'exit 0',
  mountpoint: 'exit 1',
  mount: 'exit 0',
  chown: 'exit 0',
  chmod: 'exit 0',
  systemctl: 'exit 0',
  sleep: 'exit 0',
  'pgha-install-components': 'exit "$STUB_INSTALL"',
};

function sandbox(name: string) {
  const dir = tempDir(`boot-${name}`);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [cmd, body] of Object.entries(STUBS)) {
    const file = join(bin, cmd);
    writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "${cmd} $*" >>"$STUB_DIR/calls.log"\n${body}\n`);
    chmodSync(file, 0o755);
  }
  const writeSecret = join(dir, 'write-secret');
  writeFileSync(writeSecret, WRITE_SECRET_PY, { mode: 0o755 });
  writeFileSync(join(dir, 'device'), '');
  writeFileSync(join(dir, 'fstab'), '# fstab\n');
  writeFileSync(
    join(dir, 'tls.json'),
    JSON.stringify({ cert: 'CERT\n', key: 'SECRET-KEY-MATERIAL\n', ca: 'CA\n' }),
  );
  writeFileSync(
    join(dir, 'passwords.json'),
    JSON.stringify({
      superuserPassword: 'SECRET-SU',
      replicationPassword: 'SECRET-REPL',
      rewindPassword: 'SECRET-RW',
      restApiPassword: 'SECRET-REST',
    }),
  );
  return { dir, bin, writeSecret };
}

/** Point the script's fixed paths into the sandbox (every other line runs as rendered). */
function relocate(script: string, s: ReturnType<typeof sandbox>, mountPoint = join(s.dir, 'mnt')): string {
  const set = (name: string, value: string) => {
    const re = new RegExp(`^${name}=.*$`, 'm');
    expect(script).toMatch(re);
    script = script.replace(re, `${name}='${value}'`);
  };
  set('SERVICE_USER', userInfo().username);
  set('INSTALL_COMPONENTS', join(s.bin, 'pgha-install-components'));
  set('TLS_DIR', join(s.dir, 'tls'));
  set('VOLUME_DEVICE', join(s.dir, 'device'));
  set('MOUNT_POINT', mountPoint);
  set('DATA_DIR', join(mountPoint, 'data'));
  set('WRITE_SECRET', s.writeSecret);
  set('FSTAB', join(s.dir, 'fstab'));
  set('ATTEMPTS', join(s.dir, 'attempts'));
  if (/^ENV_FILE=/m.test(script)) set('ENV_FILE', join(s.dir, 'secrets', 'patroni.env'));
  return script;
}

function boot(
  script: string,
  s: ReturnType<typeof sandbox>,
  env: { attached: string; blkid: number; install?: number; mountPoint?: string },
  args: string[] = [],
) {
  const file = join(s.dir, 'pgha-boot');
  writeFileSync(file, relocate(script, s, env.mountPoint), { mode: 0o700 });
  const r = run('bash', [file, ...args], {
    env: {
      PATH: `${s.bin}:/usr/bin:/bin`,
      STUB_DIR: s.dir,
      STUB_ATTACHED: env.attached,
      STUB_BLKID: String(env.blkid),
      STUB_INSTALL: String(env.install ?? 0),
    },
  });
  const calls = existsSync(join(s.dir, 'calls.log'))
    ? readFileSync(join(s.dir, 'calls.log'), 'utf8').trimEnd().split('\n')
    : [];
  return { ...r, calls };
}

const me = userInfo().username;

describe('etcd boot script', () => {
  test('new instance, blank volume: fetch certificate, attach, format, mount, DNS, start', () => {
    const s = sandbox('etcd-new');
    const r = boot(renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions), s, {
      attached: 'None',
      blkid: 2,
    });
    expect(r.stderr).not.toMatch(/SECRET/);
    expect(r.status).toBe(0);
    const dev = join(s.dir, 'device');
    const arn = etcdOptions.tlsSecretArn;
    expect(r.calls).toEqual([
      'id -u',
      'pgha-install-components ', // first: the component policy's packages (idempotent on a retried boot)
      `id -u ${me}`,
      'curl -fsS -X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http://169.254.169.254/latest/api/token',
      'curl -fsS -H X-aws-ec2-metadata-token: tok http://169.254.169.254/latest/meta-data/instance-id',
      'curl -fsS -X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http://169.254.169.254/latest/api/token',
      'curl -fsS -H X-aws-ec2-metadata-token: tok http://169.254.169.254/latest/meta-data/local-ipv4',
      'curl -fsS -X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http://169.254.169.254/latest/api/token',
      'curl -fsS -H X-aws-ec2-metadata-token: tok http://169.254.169.254/latest/meta-data/placement/region',
      `install -d -m 0700 -o ${me} -g ${me} ${s.dir}/tls`,
      `aws --region eu-west-1 secretsmanager get-secret-value --secret-id ${arn} --query SecretString --output text`,
      'aws --region eu-west-1 ec2 describe-volumes --volume-ids vol-0123456789abcdef0 --query Volumes[0].Attachments[0].InstanceId --output text',
      'aws --region eu-west-1 ec2 wait volume-available --volume-ids vol-0123456789abcdef0',
      `aws --region eu-west-1 ec2 attach-volume --volume-id vol-0123456789abcdef0 --instance-id i-0new --device ${dev}`,
      'aws --region eu-west-1 ec2 wait volume-in-use --volume-ids vol-0123456789abcdef0',
      `blkid -p ${dev}`,
      `mkfs.ext4 -q -L pgha-data ${dev}`,
      `blkid -s UUID -o value ${dev}`,
      `mountpoint -q ${s.dir}/mnt`,
      `mount ${s.dir}/mnt`,
      `chown ${me}:${me} ${s.dir}/mnt`,
      `chmod 0700 ${s.dir}/mnt`,
      `install -d -m 0700 -o ${me} -g ${me} ${s.dir}/mnt/data`,
      `aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABCDEFGHIJ --change-batch ${readFileSync(join(s.dir, 'batch.json'), 'utf8')} --query ChangeInfo.Id --output text`,
      'aws route53 wait resource-record-sets-changed --id /change/C123',
      'systemctl daemon-reload',
      'systemctl enable pgha-etcd.service',
      // Not waiting for the start: etcd is ready only with a quorum, the other members may boot much later.
      'systemctl start --no-block pgha-etcd.service',
    ]);
    expect(JSON.parse(readFileSync(join(s.dir, 'batch.json'), 'utf8'))).toEqual({
      Changes: [
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: 'etcd-1.prod.internal',
            Type: 'A',
            TTL: 30,
            ResourceRecords: [{ Value: '10.0.1.23' }],
          },
        },
      ],
    });
    expect(readFileSync(join(s.dir, 'fstab'), 'utf8')).toBe(
      `# fstab\nUUID=uuid-1234 ${s.dir}/mnt ext4 defaults,noatime,nofail 0 2\n`,
    );
    expect(readFileSync(join(s.dir, 'tls', 'node.key'), 'utf8')).toBe('SECRET-KEY-MATERIAL\n');
  });

  // Found by the rehearsal (issue 13): under the script's umask 077, `mkdir -p /var/lib/pgha/etcd` made
  // /var/lib/pgha root's alone (0700) and etcd, running as etcd, died with "permission denied" on its data dir.
  test('the mount point is made with parents every service user can traverse', () => {
    const s = sandbox('etcd-parents');
    const mountPoint = join(s.dir, 'var', 'lib', 'pgha', 'etcd');
    const r = boot(renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions), s, {
      attached: 'i-0new',
      blkid: 0,
      mountPoint,
    });
    expect(r.status).toBe(0);
    for (const dir of [join(s.dir, 'var'), join(s.dir, 'var', 'lib'), join(s.dir, 'var', 'lib', 'pgha')])
      expect([dir, statSync(dir).mode & 0o777]).toEqual([dir, 0o755]);
    expect(existsSync(mountPoint)).toBe(true);
  });

  test('a volume with a filesystem is never formatted, and one already attached here is not re-attached', () => {
    const s = sandbox('etcd-reuse');
    writeFileSync(join(s.dir, 'fstab'), `# fstab\nUUID=uuid-1234 /somewhere ext4 defaults 0 2\n`);
    const r = boot(renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions), s, {
      attached: 'i-0new',
      blkid: 0,
    });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => /mkfs|attach-volume|wait volume/.test(c))).toEqual([]);
    expect(readFileSync(join(s.dir, 'fstab'), 'utf8')).toBe(
      '# fstab\nUUID=uuid-1234 /somewhere ext4 defaults 0 2\n',
    );
  });

  test('when blkid cannot probe the device, the script stops and formats nothing', () => {
    const s = sandbox('etcd-probe');
    const r = boot(renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions), s, {
      attached: 'i-0new',
      blkid: 4,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `pgha-boot: error: blkid cannot probe ${s.dir}/device (exit 4); not formatting it\n`,
    );
    expect(r.calls.filter((c) => /mkfs|systemctl/.test(c))).toEqual([]);
  });
});

describe('Patroni boot script', () => {
  test('writes the passwords as an EnvironmentFile, 0600, and starts Patroni; no secret in the output', () => {
    const s = sandbox('patroni');
    const r = boot(renderPatroniBootScript(awsCluster, 'pg-1', patroniOptions), s, {
      attached: 'None',
      blkid: 2,
    });
    expect(r.stderr).not.toMatch(/SECRET/);
    expect(r.status).toBe(0);
    const env = join(s.dir, 'secrets', 'patroni.env');
    expect(readFileSync(env, 'utf8')).toBe(
      'PATRONI_SUPERUSER_PASSWORD="SECRET-SU"\nPATRONI_REPLICATION_PASSWORD="SECRET-REPL"\nPATRONI_REWIND_PASSWORD="SECRET-RW"\nPATRONI_RESTAPI_USERNAME="patroni"\nPATRONI_RESTAPI_PASSWORD="SECRET-REST"\n',
    );
    expect(r.calls.filter((c) => /secretsmanager|route53|systemctl/.test(c))).toEqual([
      `aws --region eu-west-1 secretsmanager get-secret-value --secret-id ${patroniOptions.tlsSecretArn} --query SecretString --output text`,
      `aws --region eu-west-1 secretsmanager get-secret-value --secret-id ${patroniOptions.passwordsSecretArn} --query SecretString --output text`,
      'systemctl daemon-reload',
      'systemctl enable pgha-patroni.service',
      'systemctl start --no-block pgha-patroni.service',
    ]);
  });

  test('a passwords secret missing keys stops the boot before anything is started', () => {
    const s = sandbox('patroni-bad');
    writeFileSync(join(s.dir, 'passwords.json'), JSON.stringify({ superuserPassword: 'SECRET-SU' }));
    const r = boot(renderPatroniBootScript(awsCluster, 'pg-1', patroniOptions), s, {
      attached: 'None',
      blkid: 2,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'write-secret: missing or empty keys in the secret: replicationPassword, rewindPassword, restApiPassword\n' +
        `pgha-boot: error: cannot fetch secret ${patroniOptions.passwordsSecretArn} (instance role, KMS key, JSON keys?)\n`,
    );
    expect(r.calls.filter((c) => /attach-volume|mkfs|systemctl/.test(c))).toEqual([]);
  });
});

describe('retries (pgha-boot.service runs the script with --backoff)', () => {
  const script = () => renderEtcdBootScript(awsCluster, 'etcd-1', etcdOptions);
  const attempts = (s: ReturnType<typeof sandbox>) =>
    existsSync(join(s.dir, 'attempts')) ? readFileSync(join(s.dir, 'attempts'), 'utf8').trim() : 'none';

  test('a failed first attempt runs at once, fails, and leaves its count for the next one', () => {
    const s = sandbox('retry-first');
    const r = boot(script(), s, { attached: 'None', blkid: 2, install: 100 }, ['--backoff']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('installing the components failed');
    expect(r.calls.filter((c) => c.startsWith('sleep'))).toEqual([]);
    expect(attempts(s)).toBe('1');
  });

  test.each([
    ['1', '10'],
    ['2', '20'],
    ['4', '80'],
    ['5', '160'],
    ['6', '300'],
    ['40', '300'],
    ['garbage', undefined],
  ])('after %s attempt(s) the next waits %s s first; success clears the count', (before, wait) => {
    const s = sandbox(`retry-${before}`);
    writeFileSync(join(s.dir, 'attempts'), `${before}\n`);
    const r = boot(script(), s, { attached: 'i-0new', blkid: 0 }, ['--backoff']);
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('sleep'))).toEqual(wait === undefined ? [] : [`sleep ${wait}`]);
    expect(attempts(s)).toBe('none');
  });

  test('run by hand (no --backoff): no wait, no count', () => {
    const s = sandbox('retry-hand');
    writeFileSync(join(s.dir, 'attempts'), '4\n');
    const r = boot(script(), s, { attached: 'None', blkid: 2, install: 100 });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith('sleep'))).toEqual([]);
    expect(attempts(s)).toBe('4');
  });
});

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { etcdOptions, patroniOptions } from '../test/aws.js';
import { awsCluster, awsInput } from '../test/fixtures.js';
import { run, tempDir } from '../test/tools.js';
import {
  renderEtcdBootScript,
  renderEtcdCloudInit,
  renderPatroniBootScript,
  renderPatroniCloudInit,
} from './cloud-init.js';
import { defineCluster } from './cluster.js';
import { patroniEnvironment, renderEnvironmentFile } from './patroni-environment.js';
import { shellQuote, WRITE_SECRET_PY } from './private/templates.js';

const dir = tempDir('cloud-init');
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CDK for Terraform token is literally this text
const token = '${TfToken[TOKEN.7]}';

const debian13 = defineCluster({ ...awsInput, hostOs: 'debian-13' });

const documents = {
  'etcd member': renderEtcdCloudInit(awsCluster, 'etcd-1', etcdOptions),
  'Patroni node': renderPatroniCloudInit(awsCluster, 'pg-1', patroniOptions),
  'etcd member on Debian 13': renderEtcdCloudInit(debian13, 'etcd-1', etcdOptions),
  'Patroni node on Debian 13': renderPatroniCloudInit(debian13, 'pg-1', patroniOptions),
  'Patroni node with tokens': renderPatroniCloudInit(awsCluster, 'pg-3', {
    tlsSecretArn: token,
    passwordsSecretArn: token,
    dataVolumeId: token,
  }),
};

function schema(name: string, text: string) {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`);
  writeFileSync(file, text);
  return run('cloud-init', ['schema', '--config-file', file]);
}

describe('cloud-init schema (cloud-init 22.4 from Debian)', () => {
  test.each(Object.entries(documents))('%s user data is valid cloud-config', (name, text) => {
    const r = schema(name, text);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Valid cloud-config: /);
    expect(r.status).toBe(0);
  });

  test('and the check is real: a broken document is refused', () => {
    const doc = parse(documents['etcd member'], { version: '1.1' });
    doc.write_files[0].mode = '0644'; // not a write_files key (it is `permissions`)
    doc.packages = ['curl', ['a', 'b', 'c']]; // a pin is [name, version]
    const r = schema('broken', `#cloud-config\n${JSON.stringify(doc)}`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /write_files\.0: Additional properties are not allowed \('mode' was unexpected\)/,
    );
    expect(r.stderr).toMatch(/packages\.1: \['a', 'b', 'c'\] is not valid/);
  });
});

describe('the component install script each document carries', () => {
  test.each(Object.entries(documents))('%s: passes shellcheck', (name, text) => {
    const doc = parse(text, { version: '1.1' }) as { write_files: { path: string; content: string }[] };
    const install = doc.write_files.find((f) => f.path === '/usr/local/sbin/pgha-install-components');
    expect(install?.content).toMatch(/^#!\/bin\/bash\n/);
    const file = join(dir, `${name.replace(/\W+/g, '-')}-install.sh`);
    writeFileSync(file, install?.content ?? '');
    const r = run('shellcheck', ['--shell=bash', '--severity=style', file]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('embedded scripts', () => {
  // What runs on the instance: Terraform has replaced any token by then (the token form itself only
  // draws SC2016, "expressions don't expand in single quotes", which is the point of quoting it).
  const scripts = {
    'etcd boot': renderEtcdBootScript(awsCluster, 'etcd-2', etcdOptions),
    'Patroni boot': renderPatroniBootScript(awsCluster, 'pg-2', patroniOptions),
  };
  const withTokens = renderPatroniBootScript(awsCluster, 'pg-2', {
    tlsSecretArn: token,
    passwordsSecretArn: token,
    dataVolumeId: token,
  });

  test.each(Object.entries(scripts))('%s passes shellcheck', (name, text) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.sh`);
    writeFileSync(file, text);
    const r = run('shellcheck', ['--shell=bash', '--severity=style', file]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('shellcheck is a real check: it flags an unquoted variable', () => {
    const file = join(dir, 'bad.sh');
    writeFileSync(file, '#!/bin/bash\nrm $1\n');
    const r = run('shellcheck', [file]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/SC2086/);
  });

  test('the boot script reads its settings back unchanged, tokens included', () => {
    const file = join(dir, 'settings.sh');
    writeFileSync(file, withTokens);
    // The settings block (ROLE= .. FSTAB=) evaluated by bash, each value printed back.
    const names =
      'ROLE SERVICE SERVICE_USER TLS_SECRET_ARN TLS_DIR VOLUME_ID VOLUME_DEVICE MOUNT_POINT DATA_DIR PASSWORDS_SECRET_ARN ENV_FILE';
    const script = `eval "$(sed -n '/^ROLE=/,/^FSTAB=/p' "$1")"; for n in ${names}; do printf '%s=%s\\n' "$n" "\${!n}"; done`;
    const r = run('bash', ['--norc', '--noprofile', '-ec', script, 'settings', file], {
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'ROLE=patroni',
        'SERVICE=pgha-patroni.service',
        'SERVICE_USER=postgres',
        `TLS_SECRET_ARN=${token}`,
        'TLS_DIR=/etc/pgha/tls',
        `VOLUME_ID=${token}`,
        'VOLUME_DEVICE=/dev/sdf',
        'MOUNT_POINT=/var/lib/pgha/postgresql',
        'DATA_DIR=/var/lib/pgha/postgresql/data',
        `PASSWORDS_SECRET_ARN=${token}`,
        'ENV_FILE=/etc/pgha/secrets/patroni.env',
        '',
      ].join('\n'),
    );
  });

  test('shell quoting: hostile values come back unchanged from bash and dash', () => {
    const hostile = [
      `it's "x" & y: #z {{w}} $HOME \`id\` \\ ünïcode ✓`,
      'line one\nline two\n',
      "'",
      '',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CDK for Terraform token is literally this text
      '${TfToken[TOKEN.1]}',
    ];
    for (const shell of ['bash', 'dash']) {
      for (const value of hostile) {
        const r = run(shell, ['-c', `printf %s ${shellQuote(value)}`], {
          env: { PATH: '/usr/bin:/bin', HOME: '/x' },
        });
        expect(r.stdout).toBe(value);
      }
    }
  });
});

describe('write-secret (the helper the boot script pipes secrets through)', () => {
  const script = join(dir, 'write-secret');
  writeFileSync(script, WRITE_SECRET_PY, { mode: 0o755 });
  const me = userInfo().username;
  // Printable ASCII: the characters that break naive quoting (non-ASCII passwords are refused, see below).
  const hostile = `it's "x" & $HOME \`id\` \\ # {{y}}: $(touch /tmp/x) ; 'q'`;

  test('is valid Python', () => {
    const r = run('/usr/bin/python3', ['-m', 'py_compile', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('env: writes the same EnvironmentFile as renderEnvironmentFile, 0600, and a shell reads it back', () => {
    const secrets = {
      superuserPassword: hostile,
      replicationPassword: 'r-pass',
      rewindPassword: 'w-pass',
      restApiPassword: '$(touch /tmp/pwned)',
    };
    const envFile = join(dir, 'patroni.env');
    const r = run('/usr/bin/python3', [script, 'env', envFile, me], { input: JSON.stringify(secrets) });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe(renderEnvironmentFile(patroniEnvironment(secrets)));
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const back = run('bash', ['-c', '. "$1" && printf %s "$PATRONI_SUPERUSER_PASSWORD"', 'bash', envFile]);
    expect(back.stdout).toBe(hostile);
  });

  test('tls: writes node.crt, node.key and ca.crt, 0600, byte for byte', () => {
    const tls = {
      cert: `-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n`,
      key: 'KEY ü\n',
      ca: 'CA\n',
    };
    const r = run('/usr/bin/python3', [script, 'tls', dir, me], { input: JSON.stringify(tls) });
    expect(r.status).toBe(0);
    for (const [name, content] of [
      ['node.crt', tls.cert],
      ['node.key', tls.key],
      ['ca.crt', tls.ca],
    ] as const) {
      expect(readFileSync(join(dir, name), 'utf8')).toBe(content);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
  });

  test('a secret with missing keys fails naming the keys, never printing values', () => {
    const r = run('/usr/bin/python3', [script, 'env', join(dir, 'x.env'), me], {
      input: JSON.stringify({ superuserPassword: 'do-not-print-me', replicationPassword: '' }),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(
      'write-secret: missing or empty keys in the secret: replicationPassword, rewindPassword, restApiPassword\n',
    );
    const nonAscii = run('/usr/bin/python3', [script, 'env', join(dir, 'x.env'), me], {
      input: JSON.stringify({
        superuserPassword: 'pässword',
        replicationPassword: 'a\nb',
        rewindPassword: 'ok',
        restApiPassword: 'ok',
      }),
    });
    expect(nonAscii.status).not.toBe(0);
    expect(nonAscii.stderr).toBe(
      'write-secret: not printable ASCII in the secret: superuserPassword, replicationPassword\n',
    );
    const notJson = run('/usr/bin/python3', [script, 'tls', dir, me], { input: 'do-not-print-me' });
    expect(notJson.stderr).toBe('write-secret: the secret is not JSON\n');
  });
});

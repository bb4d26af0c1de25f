import { inspect } from 'node:util';
import { Secret } from '@pgha/clients';
import { generatePassword } from '@pgha/local-cluster';
import { describe, expect, test } from 'vitest';
import type { AwsSecretInput } from './secret-values.js';
import { redactor, TerraformSession, withSecretInputs } from './terraform.js';

const KEY_LINES = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
];
const PEM = `-----BEGIN PRIVATE KEY-----\n${KEY_LINES.join('\n')}\n-----END PRIVATE KEY-----\n`;

describe('withSecretInputs', () => {
  test('each input becomes TF_VAR_<variable>; Terraform debug logging is removed and named', () => {
    const password = generatePassword();
    const inputs: AwsSecretInput[] = [
      {
        secretName: 'pgha/main/patroni/passwords',
        variable: 'secret_patroni_passwords',
        value: new Secret(password),
      },
    ];
    const { env, removed } = withSecretInputs(
      {
        PATH: '/bin',
        TF_LOG: 'trace',
        TF_LOG_PATH: '/tmp/tf.log',
        TF_LOG_PROVIDER_AWS: 'debug',
        TF_IN_AUTOMATION: '1',
      },
      inputs,
    );
    expect(env).toEqual({ PATH: '/bin', TF_IN_AUTOMATION: '1', TF_VAR_secret_patroni_passwords: password });
    expect(removed.sort()).toEqual(['TF_LOG', 'TF_LOG_PATH', 'TF_LOG_PROVIDER_AWS']);
  });
});

describe('redactor', () => {
  test('a password, a PEM key line (raw or between JSON \\n escapes) are replaced; other text stays', () => {
    const password = generatePassword();
    const json = JSON.stringify({ cert: 'c', key: PEM, ca: 'ca' });
    const redact = redactor([password, json]);
    expect(redact(`value: ${password}!`)).toBe('value: [redacted]!');
    expect(redact(`  ${KEY_LINES[1]}`)).toBe('  [redacted]');
    expect(redact(`"key":"${PEM.replaceAll('\n', '\\n')}"`)).not.toMatch(/MIIE|MzEf/);
    expect(redact('aws_secretsmanager_secret_version.x: Creating...')).toBe(
      'aws_secretsmanager_secret_version.x: Creating...',
    );
  });
});

describe('TerraformSession', () => {
  test('its environment shows neither in JSON nor in inspect', () => {
    const password = generatePassword();
    const session = new TerraformSession({
      bin: '/usr/local/bin/terraform',
      cwd: '/tmp/stack',
      env: { TF_VAR_secret_patroni_passwords: password },
      onLine: () => {},
      hint: 'h',
      secretValues: [password],
    });
    expect(JSON.stringify(session)).toBe('{"bin":"/usr/local/bin/terraform","cwd":"/tmp/stack"}');
    expect(inspect(session, { showHidden: true, depth: 5 })).not.toContain(password);
    expect(`${JSON.stringify({ s: new Secret(password) })}`).not.toContain(password);
  });

  test('a line Terraform prints passes the redactor before the caller sees it', async () => {
    const password = generatePassword();
    const lines: string[] = [];
    const session = new TerraformSession({
      bin: '/bin/sh',
      cwd: '/tmp',
      env: { PATH: '/usr/bin:/bin', SECRET: password },
      onLine: (line) => lines.push(line),
      hint: 'h',
      secretValues: [password],
    });
    // A stand-in for a misbehaving tool: /bin/sh echoing the value it was given.
    await session.run(['-c', 'echo "leaked: $SECRET"; echo "leaked too: $SECRET" >&2']);
    expect(lines.sort()).toEqual(['leaked too: [redacted]', 'leaked: [redacted]']);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tempDir } from '../test/tools.js';
import { isUserdataError } from './errors.js';
import { patroniEnvironment, renderEnvironmentFile } from './patroni-environment.js';

const hostile = `it's "quoted" & $HOME \`id\` \\n \\ # {{x}}: ünïcode ✓\nsecond line`;

describe('patroniEnvironment', () => {
  test('maps the secrets to the variables Patroni reads', () => {
    expect(
      patroniEnvironment({
        superuserPassword: 'a',
        replicationPassword: 'b',
        rewindPassword: 'c',
        restApiPassword: 'd',
      }),
    ).toEqual({
      PATRONI_SUPERUSER_PASSWORD: 'a',
      PATRONI_REPLICATION_PASSWORD: 'b',
      PATRONI_REWIND_PASSWORD: 'c',
      PATRONI_RESTAPI_USERNAME: 'patroni',
      PATRONI_RESTAPI_PASSWORD: 'd',
    });
  });

  test('missing secrets are named, their values never shown', () => {
    let caught: unknown;
    try {
      patroniEnvironment({
        superuserPassword: 'secret-value-1',
        replicationPassword: '',
        rewindPassword: 'pässword',
        restApiUsername: 'has space',
        restApiPassword: undefined as unknown as string,
      });
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    const err = caught as Error & { problems: { path: string }[] };
    expect(err.problems.map((p) => p.path)).toEqual([
      'secrets.replicationPassword',
      'secrets.rewindPassword',
      'secrets.restApiPassword',
      'secrets.restApiUsername',
    ]);
    expect(err.message).not.toMatch(/secret-value-1|pässword/);
    expect(err.message).toMatch(/Patroni 3\.0\.2 cannot bootstrap with non-ASCII ones/);
  });
});

describe('renderEnvironmentFile', () => {
  test('exact text', () => {
    expect(renderEnvironmentFile({ A: 'plain', B: 'say "hi" to $USER `now` \\o/' })).toBe(
      'A="plain"\nB="say \\"hi\\" to \\$USER \\`now\\` \\\\o/"\n',
    );
    expect(renderEnvironmentFile({})).toBe('');
  });

  test('hostile values read back unchanged by a POSIX shell', () => {
    const env = { PATRONI_SUPERUSER_PASSWORD: hostile, PATRONI_RESTAPI_USERNAME: 'patroni' };
    const dir = tempDir('env');
    const file = join(dir, 'patroni.env');
    writeFileSync(file, renderEnvironmentFile(env));
    const r = run('sh', ['-c', '. "$1" && printf %s "$PATRONI_SUPERUSER_PASSWORD"', 'sh', file], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(hostile);
  });

  test('bad names and NUL are refused without showing the value', () => {
    expect(() => renderEnvironmentFile({ '1BAD': 'x', OK: 'a\0b' })).toThrow(
      'cannot render the environment file: 2 problems\n  - 1BAD: variable names are letters, digits and "_", not starting with a digit (given: "1BAD")\n  - OK: give a string without NUL characters (given: "<redacted>")',
    );
  });
});

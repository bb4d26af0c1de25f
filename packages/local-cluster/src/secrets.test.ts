import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureSecrets, SECRET_NAMES } from './secrets.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('passwords are generated once, random, 0600, and kept on the next run', async () => {
  const first = await ensureSecrets(join(dir, 'secrets'));
  expect(first.created).toEqual([...SECRET_NAMES]);
  const values = SECRET_NAMES.map((n) => first.secrets[n].reveal());
  expect(new Set(values).size).toBe(values.length);
  for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_-]{32}$/);
  for (const n of SECRET_NAMES) {
    const s = await stat(join(dir, 'secrets', n));
    expect(s.mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'secrets', n), 'utf8')).trim()).toBe(first.secrets[n].reveal());
  }
  expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);

  const second = await ensureSecrets(join(dir, 'secrets'));
  expect(second.created).toEqual([]);
  expect(SECRET_NAMES.map((n) => second.secrets[n].reveal())).toEqual(values);
});

test('a secret never shows in logs, JSON or string interpolation', async () => {
  const { secrets } = await ensureSecrets(join(dir, 'other'));
  const value = secrets.superuser.reveal();
  for (const text of [
    inspect(secrets),
    JSON.stringify(secrets),
    `${secrets.superuser}`,
    String(secrets.rewind),
  ]) {
    expect(text).not.toContain(value);
    expect(text).toContain('[secret]');
  }
});

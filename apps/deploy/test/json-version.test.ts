import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli } from './helpers.js';

// `--json` output is an API: every document carries the version of its shape, error reports included, so a
// consumer can tell a shape it knows from one it does not before reading anything else.
describe('pgha --json errors carry version 1', () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'pgha-json-version-'));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  test.each([
    ['an invalid option', ['deploy', '--etcd-members', '4'], 'CONFIG_INVALID'],
    ['a cluster that is not deployed', ['status', '--cluster', 'absent'], 'NOT_DEPLOYED'],
    ['a cluster name that is no path', ['destroy', '--cluster', '../up'], 'USAGE'],
  ])('%s', async (_, args, code) => {
    const result = await cli([...args, '--json', '--state-dir', empty]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      version: 1,
      error: expect.objectContaining({ code }),
    });
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isAlive, readRecord, startService, stopAll, writeRecord } from './process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-process-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a started service is alive, is recorded by its own PID, gets only the given env, and stops', async () => {
  const record = await startService({
    name: 'sleeper',
    command: '/bin/sh',
    args: ['-c', 'echo "env:$PGPASSWORD:$MARK"; exec sleep 60'],
    logFile: join(dir, 'sleeper.log'),
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', MARK: 'x' },
  });
  expect(await isAlive(record)).toBe(true);
  // The PID is the process itself, not a wrapper: once the shell has exec'd, it is sleep (on a loaded machine
  // the exec can take a moment).
  let program = '';
  for (let i = 0; i < 50 && !program.endsWith('sleep'); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    program = (await readFile(`/proc/${record.pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
  }
  expect(program).toMatch(/sleep$/);
  await writeRecord(join(dir, 'sleeper.json'), record);
  expect(await readRecord(join(dir, 'sleeper.json'))).toEqual(record);

  const left = await stopAll([record], 5000);
  expect(left).toEqual([]);
  expect(await isAlive(record)).toBe(false);
  // The environment was not inherited: PGPASSWORD from the test runner would have shown up.
  expect(await readFile(join(dir, 'sleeper.log'), 'utf8')).toBe('env::x\n');
});

test('a PID reused by another process does not count as ours', async () => {
  const record = await startService({
    name: 'short',
    command: '/bin/sleep',
    args: ['60'],
    logFile: join(dir, 'short.log'),
    cwd: dir,
    env: {},
  });
  expect(await isAlive({ pid: record.pid, startTime: `${record.startTime}1` })).toBe(false);
  expect(await stopAll([record], 5000)).toEqual([]);
});

test('a process that ignores SIGTERM is killed after the grace period', async () => {
  const record = await startService({
    name: 'stubborn',
    command: '/bin/sh',
    args: ['-c', "trap '' TERM; while :; do sleep 0.1; done"],
    logFile: join(dir, 'stubborn.log'),
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
  });
  await new Promise((r) => setTimeout(r, 200)); // let the shell install its trap
  expect(await stopAll([record], 500)).toEqual([]);
  expect(await isAlive(record)).toBe(false);
});

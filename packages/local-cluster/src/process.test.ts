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

test('under a subreaper the command is recorded by its own PID and what it orphans is reaped at once', async () => {
  // The shell orphans a short sleep (its subshell exits at once), as Patroni orphans the postmaster.
  const record = await startService({
    name: 'orphaner',
    command: '/bin/sh',
    args: ['-c', '(sleep 0.3 & echo "orphan:$!") ; exec sleep 60'],
    logFile: join(dir, 'orphaner.log'),
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
    subreaper: true,
  });
  expect(await isAlive(record)).toBe(true);
  const parent = (await readFile(`/proc/${record.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[1];
  const reaper = Number(parent);
  expect((await readFile(`/proc/${reaper}/cmdline`, 'utf8')).split('\0').slice(0, 2)).toEqual([
    'python3',
    '-c',
  ]);
  let orphan = 0;
  for (let i = 0; i < 50 && orphan === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    orphan = Number(/orphan:(\d+)/.exec(await readFile(join(dir, 'orphaner.log'), 'utf8'))?.[1] ?? 0);
  }
  expect(orphan).toBeGreaterThan(0);
  // Adopted by the subreaper, not by init: its parent is the reaper while it sleeps.
  const orphanParent = (await readFile(`/proc/${orphan}/stat`, 'utf8').catch(() => ''))
    .split(') ')[1]
    ?.split(' ')[1];
  expect(Number(orphanParent)).toBe(reaper);
  // Reaped within 100 ms of its exit: never a lingering zombie (this machine's init takes about 2 s).
  const start = Date.now();
  let zombieSince = 0;
  let gone = false;
  while (!gone && Date.now() - start < 3000) {
    const stat = await readFile(`/proc/${orphan}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) gone = true;
    else if (stat.split(') ')[1]?.startsWith('Z') && zombieSince === 0) zombieSince = Date.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(gone).toBe(true);
  if (zombieSince > 0) expect(Date.now() - zombieSince).toBeLessThan(100);
  // SIGTERM to the recorded PID ends the command; the subreaper follows once nothing is left below it.
  expect(await stopAll([record], 5000)).toEqual([]);
  for (let i = 0; i < 100 && (await readFile(`/proc/${reaper}/stat`, 'utf8').catch(() => '')) !== ''; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await readFile(`/proc/${reaper}/stat`, 'utf8').catch(() => 'gone')).toMatch(/^gone$| Z /);
});

import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isLocalClusterError } from './errors.js';
import { type Layout, layoutFor } from './layout.js';
import { acquireLock } from './lock.js';
import { type ProcessRecord, procStat, startService, stopAll } from './process.js';

let root: string;
let sleeper: ProcessRecord;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pgha-lock-'));
  sleeper = await startService({
    name: 'holder',
    command: '/bin/sleep',
    args: ['120'],
    logFile: join(root, 'holder.log'),
    cwd: root,
    env: { PATH: '/usr/bin:/bin' },
  });
});
afterAll(async () => {
  await stopAll([sleeper], 2000);
  await rm(root, { recursive: true, force: true });
});

function layoutOf(name: string): Layout {
  return layoutFor({ cluster: 'x', stateRoot: join(root, name), asRoot: false });
}

async function refused(layout: Layout, operation: string): Promise<Error> {
  const error = await acquireLock(layout, operation).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLocalClusterError(error) && error.code).toBe('STATE_LOCKED');
  expect((error as { kind: string }).kind).toBe('usage');
  return error as Error;
}

test('one operation at a time: the second is refused naming the holder PID, and runs once the first is done', async () => {
  const layout = layoutOf('serial');
  const first = await acquireLock(layout, 'deploy');
  const error = await refused(layout, 'destroy');
  expect(error.message).toContain(`PID ${process.pid} runs deploy on it`);
  expect(error.message).toContain('destroy refused, nothing was changed');
  await first.release();
  await expect(stat(layout.lockFile)).rejects.toThrow('ENOENT');
  const second = await acquireLock(layout, 'destroy');
  await second.release();
  // The state dir was made for the lock alone: it goes with it.
  await expect(stat(layout.stateDir)).rejects.toThrow('ENOENT');
});

test('a lock held by another live process refuses; its PID with another start time is stale', async () => {
  const layout = layoutOf('other');
  await mkdir(layout.stateDir, { recursive: true });
  const holder = (startTime: string) =>
    `${JSON.stringify({ pid: sleeper.pid, startTime, operation: 'deploy', since: '2026-12-05T10:00:00Z' })}\n`;
  await writeFile(layout.lockFile, holder(sleeper.startTime));
  expect((await refused(layout, 'deploy')).message).toContain(`PID ${sleeper.pid} runs deploy`);
  expect((await refused(layout, 'deploy')).message).not.toContain(`PID ${process.pid}`);

  // The same PID, but started at another time: the holder died and its PID was reused. Stale.
  const reused = String(Number(sleeper.startTime) - 1);
  await writeFile(layout.lockFile, holder(reused));
  const lock = await acquireLock(layout, 'deploy');
  const taken = JSON.parse(await readFile(layout.lockFile, 'utf8'));
  expect(taken.pid).toBe(process.pid);
  expect(taken.startTime).toBe((await procStat(process.pid))?.startTime);
  await lock.release();
});

test('a lock left by a crashed holder (its PID gone) or a garbled one is taken over', async () => {
  const layout = layoutOf('crashed');
  await mkdir(layout.stateDir, { recursive: true });
  const gone = await startService({
    name: 'gone',
    command: '/bin/true',
    args: [],
    logFile: join(root, 'gone.log'),
    cwd: root,
    env: { PATH: '/usr/bin:/bin' },
  });
  for (let i = 0; i < 50 && (await procStat(gone.pid)) !== undefined; i++)
    await new Promise((r) => setTimeout(r, 50));
  await writeFile(layout.lockFile, `${JSON.stringify({ ...gone, operation: 'deploy', since: 'then' })}\n`);
  const lock = await acquireLock(layout, 'destroy');
  await lock.release();

  await writeFile(layout.lockFile, '{"pid": 12');
  const again = await acquireLock(layout, 'destroy');
  await again.release();
  await expect(stat(layout.lockFile)).rejects.toThrow('ENOENT');
});

test('an interrupted operation of this process can be taken over by this process only', async () => {
  const layout = layoutOf('own');
  const deploy = await acquireLock(layout, 'deploy');
  const destroy = await acquireLock(layout, 'destroy --purge', { takeOverOwn: true });
  // The deploy releasing later leaves the destroy's lock alone: held, still refusing others.
  await deploy.release();
  expect(JSON.parse(await readFile(layout.lockFile, 'utf8')).operation).toBe('destroy --purge');
  await refused(layout, 'deploy');
  await destroy.release();

  await mkdir(layout.stateDir, { recursive: true });
  await writeFile(
    layout.lockFile,
    `${JSON.stringify({ pid: sleeper.pid, startTime: sleeper.startTime, operation: 'deploy', since: 'now' })}\n`,
  );
  const error = await acquireLock(layout, 'destroy', { takeOverOwn: true }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLocalClusterError(error) && error.code).toBe('STATE_LOCKED');
  await rm(layout.lockFile);
});

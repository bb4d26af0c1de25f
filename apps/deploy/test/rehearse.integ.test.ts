import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { isAlive, type ProcessRecord, stopAll } from '@pgha/local-cluster';
import { describe, expect, test } from 'vitest';
import { AWS_EXAMPLE, isolatedEnv, terraformForTests } from './aws-support.js';
import { cli, traversableTempDir } from './helpers.js';

// Stage 1 (--apply-only) interrupted: moto_server 5.2.1 and Terraform with the offline provider mirror, the
// example config. What a whole rehearsal makes, stage 1's read-back included, is asserted on the one apply of
// rehearse-boot.integ.test.ts (CI's `pnpm run test:rehearsal`): an apply takes a minute and a half here.
const terraform = terraformForTests('pgha rehearse tests');
const moto = (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, 'moto_server')))
  ? undefined
  : 'moto_server is not on PATH (python3 -m pip install "moto[server]==5.2.1")';
if (moto !== undefined && process.env.CI) throw new Error(`CI is set but ${moto}`);
if (moto !== undefined) console.warn(`SKIPPED: pgha rehearse tests: ${moto}`);
const missing = terraform ?? moto;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alive after up to 10 s (PID 1 reaps slowly here: a stopped process can linger as a zombie). */
async function aliveAfterWait(record: ProcessRecord): Promise<boolean> {
  for (let i = 0; i < 100 && (await isAlive(record)); i++) await sleep(100);
  return isAlive(record);
}

async function runRecords(workDir: string): Promise<ProcessRecord[]> {
  const dir = join(workDir, 'run');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as ProcessRecord),
  );
}

describe.skipIf(missing !== undefined)('an interrupted rehearsal', () => {
  test('Ctrl-C after the emulator started: exit 130, what is left named, --destroy removes it', async () => {
    const root = await traversableTempDir('pgha-rehearse-int-');
    const state = join(root, 'state');
    const workDir = join(state, 'main', 'rehearsal');
    const controller = new AbortController();
    let records: ProcessRecord[] = [];
    try {
      // Ctrl-C once the emulator's record is written (the rehearsal then waits for it to answer).
      const watch = setInterval(() => {
        if (existsSync(join(workDir, 'run', 'moto_server.json'))) controller.abort('SIGINT');
      }, 20);
      const r = await cli(
        ['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--apply-only', '--json'],
        isolatedEnv(root),
        {
          signal: controller.signal,
        },
      ).finally(() => clearInterval(watch));
      records = await runRecords(workDir);
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/interrupted \(SIGINT\) before/);
      expect(r.stderr).toContain(`left behind: moto_server PID ${records[0]?.pid}`);
      const cleanup = `pnpm run rehearse -- --config ${AWS_EXAMPLE} --state-dir ${state} --destroy`;
      expect(r.stderr).toContain(cleanup);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'INTERRUPTED', cleanup } });
      expect(await isAlive(records[0] as ProcessRecord)).toBe(true);
      const d = await cli(
        ['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--destroy'],
        isolatedEnv(root),
      );
      expect(d.code).toBe(0);
      expect(d.stdout).toContain(`stopped moto_server PID ${records[0]?.pid}`);
      for (const record of records) expect(await aliveAfterWait(record)).toBe(false);
      expect(existsSync(workDir)).toBe(false);
    } finally {
      await stopAll(records, 5000);
      await rm(root, { recursive: true, force: true });
    }
  });
});

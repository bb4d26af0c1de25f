import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { isAlive, type ProcessRecord, processesIn, stopAll } from '@pgha/local-cluster';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AWS_EXAMPLE,
  filesUnder,
  isolatedEnv,
  type Json,
  secretHits,
  terraformForTests,
} from './aws-support.js';
import { type CliResult, cli, traversableTempDir } from './helpers.js';

// The real stage 1 (--apply-only): moto_server 5.2.1 and Terraform with the offline provider mirror, the
// example config. The boot and verify stages: rehearse-boot.integ.test.ts.
const terraform = terraformForTests('pgha rehearse tests');
const moto = (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, 'moto_server')))
  ? undefined
  : 'moto_server is not on PATH (python3 -m pip install "moto[server]==5.2.1")';
if (moto !== undefined && process.env.CI) throw new Error(`CI is set but ${moto}`);
if (moto !== undefined) console.warn(`SKIPPED: pgha rehearse tests: ${moto}`);
const missing = terraform ?? moto;

interface Instance {
  name: string;
  role: string;
  instanceId: string;
  privateIp: string;
  availabilityZone: string;
  subnetId: string;
  autoScalingGroup?: string;
  userDataFile: string;
}

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

describe.skipIf(missing !== undefined)(
  'pgha rehearse: stage 1 against moto_server and real Terraform',
  () => {
    let root: string;
    let state: string;
    let workDir: string;
    let env: Record<string, string>;
    let result: CliResult;
    let out: Json & { instances: Instance[]; emulator: { pid: number; endpoint: string }; stackDir: string };
    let records: ProcessRecord[] = [];

    beforeAll(async () => {
      root = await traversableTempDir('pgha-rehearse-');
      state = join(root, 'state');
      workDir = join(state, 'main', 'rehearsal');
      // The user's AWS settings must not reach Terraform: a profile that does not exist would fail the
      // provider, real-looking keys would be sent, TF_LOG would log the secret inputs.
      env = {
        ...isolatedEnv(root),
        AWS_PROFILE: 'pgha-no-such-profile',
        AWS_ACCESS_KEY_ID: 'AKIAREALLOOKINGKEY00',
        AWS_SECRET_ACCESS_KEY: 'real-looking-secret',
        AWS_ENDPOINT_URL: 'https://ec2.eu-west-1.amazonaws.com',
        TF_LOG: 'trace',
      };
      result = await cli(
        ['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--apply-only', '--json'],
        env,
      );
      records = await runRecords(workDir);
      if (result.code !== 0) console.error(result.stderr);
      out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
    }, 600_000);

    afterAll(async () => {
      // Whatever the assertions said: stop what the rehearsal started, by its recorded PID only.
      await stopAll(records, 5000);
      await rm(root, { recursive: true, force: true });
    });

    test('applies the example stack and reads back 3 etcd ASG instances and 3 Patroni instances', async () => {
      expect(result.code).toBe(0);
      expect(out).toMatchObject({ ok: true, version: 1, cluster: 'main', stage: 1, workDir });
      const etcd = out.instances.filter((i) => i.role === 'etcd');
      const patroni = out.instances.filter((i) => i.role === 'patroni');
      expect(etcd.map((i) => i.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
      expect(patroni.map((i) => i.name)).toEqual(['pg-1', 'pg-2', 'pg-3']);
      expect(etcd.map((i) => i.autoScalingGroup)).toEqual(['main-etcd-1', 'main-etcd-2', 'main-etcd-3']);
      expect(patroni.every((i) => i.autoScalingGroup === undefined)).toBe(true);
      // One per zone, at a private IP inside the configured VPC CIDR (10.20.0.0/16).
      expect(new Set(etcd.map((i) => i.availabilityZone)).size).toBe(3);
      expect(new Set(patroni.map((i) => i.availabilityZone)).size).toBe(3);
      for (const i of out.instances) {
        expect(i.privateIp).toMatch(/^10\.20\.\d{1,3}\.\d{1,3}$/);
        expect(i.instanceId).toMatch(/^i-[0-9a-f]+$/);
        const userData = await readFile(i.userDataFile, 'utf8');
        expect(userData.startsWith('#cloud-config')).toBe(true);
        expect(userData).toContain('pgha-install-components');
      }
      const launched = JSON.parse(await readFile(join(workDir, 'launched.json'), 'utf8'));
      expect(launched.instances.map((i: Instance) => i.instanceId)).toEqual(
        out.instances.map((i) => i.instanceId),
      );
    });

    test('the emulator runs on 127.0.0.1 under the recorded PID; every provider endpoint points at it', async () => {
      expect(out.emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(records.map((r) => [r.name, r.pid])).toEqual([['moto_server', out.emulator.pid]]);
      expect(await isAlive(records[0] as ProcessRecord)).toBe(true);
      const stack = JSON.parse(await readFile(join(out.stackDir, 'cdk.tf.json'), 'utf8'));
      const types = Object.keys(stack.resource);
      expect(types.length).toBeGreaterThan(10);
      for (const block of stack.provider.aws) {
        const endpoints = block.endpoints[0] as Record<string, string>;
        expect(Object.keys(endpoints).sort()).toEqual(
          ['autoscaling', 'ec2', 'elbv2', 'iam', 'kms', 'route53', 'secretsmanager', 'sts'].sort(),
        );
        expect(new Set(Object.values(endpoints))).toEqual(new Set([out.emulator.endpoint]));
      }
      expect(stack.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
      expect(existsSync(join(out.stackDir, 'terraform.tfstate'))).toBe(true);
      // Nothing of the user's own deployment: the state dir holds the rehearsal's work dir and nothing else.
      expect(await readdir(state)).toEqual(['main']);
      expect(await readdir(join(state, 'main'))).toEqual(['rehearsal']);
    });

    test('no password or private key in the Terraform state, the stack, launched.json, user-data or output', async () => {
      // The rehearsal's own passwords and keys (made by synth in its state root, as deploy makes the user's).
      const own = join(workDir, 'state', 'main');
      const secrets: string[] = [];
      for (const n of ['superuser', 'replication', 'rewind', 'restapi'])
        secrets.push((await readFile(join(own, 'secrets', n), 'utf8')).trim());
      for (const [file, bytes] of await filesUnder(join(own, 'pki')))
        if (file.endsWith('.key')) secrets.push(bytes.toString('utf8').split('\n')[1] as string);
      expect(secrets).toHaveLength(4 + 15);
      const texts: [string, string][] = [
        ['terraform.tfstate', await readFile(join(out.stackDir, 'terraform.tfstate'), 'utf8')],
        ['cdk.tf.json', await readFile(join(out.stackDir, 'cdk.tf.json'), 'utf8')],
        ['launched.json', await readFile(join(workDir, 'launched.json'), 'utf8')],
        ['rehearsal.json', await readFile(join(workDir, 'rehearsal.json'), 'utf8')],
        ['stdout', result.stdout],
        ['stderr', result.stderr],
        ...(await Promise.all(
          out.instances.map(
            async (i): Promise<[string, string]> => [i.name, await readFile(i.userDataFile, 'utf8')],
          ),
        )),
      ];
      expect(texts.flatMap(([name, text]) => secretHits(name, text, secrets))).toEqual([]);
      // The search finds what it looks for: the password is in the rehearsal's secrets dir, in the clear.
      const superuser = await readFile(join(own, 'secrets', 'superuser'), 'utf8');
      expect(secretHits('superuser', superuser, secrets)).toEqual(['superuser: secret #1']);
    });

    test('a second rehearsal of the same cluster is refused while the first is there', async () => {
      const again = await cli(
        ['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--apply-only'],
        env,
      );
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `a rehearsal of cluster "main" is already in ${workDir} (stage read-back`,
      );
      expect(again.stderr).toContain('--destroy');
    });

    test('--destroy stops the emulator by its PID and removes the work dir; a second one finds nothing', async () => {
      const d = await cli(
        ['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--destroy', '--json'],
        env,
      );
      expect(d.code).toBe(0);
      expect(JSON.parse(d.stdout)).toMatchObject({
        ok: true,
        found: true,
        stopped: [{ name: 'moto_server', pid: out.emulator.pid }],
      });
      for (const r of records) expect(await aliveAfterWait(r)).toBe(false);
      expect(await processesIn(workDir)).toEqual([]);
      expect(existsSync(workDir)).toBe(false);
      expect(existsSync(join(state, 'main'))).toBe(false);
      const again = await cli(['rehearse', '--config', AWS_EXAMPLE, '--state-dir', state, '--destroy'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('nothing to remove');
    });
  },
);

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

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { TerraformSession } from '@pgha/aws-deploy';
import { buildAwsManifest } from '@pgha/aws-deploy';
import { step } from '@pgha/clients';
import { layoutFor, writeManifest } from '@pgha/local-cluster';
import { type BootVpcOptions, bootState, bootVpc, type VpcResult } from './boot.js';
import { RehearsalError } from './errors.js';
import type { RehearsalEventListener as Emit } from './events.js';
import type { BootPrerequisites } from './prereqs.js';
import { type CachedRootfs, ensureRootfs, rehearsalPackages } from './rootfs.js';
import { type BootEvent, bootTimeline } from './timeline.js';

const exec = promisify(execFile);

type Env = Readonly<Record<string, string | undefined>>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** verify's CLI, the bin of the installed `@pgha/verify`. */
const VERIFY_BIN = join(
  dirname(createRequire(import.meta.url).resolve('@pgha/verify/package.json')),
  'bin',
  'pgha-verify.js',
);

export interface VerifyOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly waitedSeconds: number;
  /** The last report's checks. */
  readonly checks: readonly {
    readonly id: string;
    readonly ok: boolean;
    readonly detail: string;
    readonly ms: number;
  }[];
  readonly failed: readonly string[];
}

export interface BootStageResult {
  readonly rootfs: Omit<CachedRootfs, 'packages'> & { readonly packages: number; readonly seconds: number };
  readonly vpc: VpcResult;
  readonly manifestFile: string;
  readonly verify: VerifyOutcome;
  /** Per instance: its boot events, seconds after its container started. */
  readonly timelines: readonly { readonly name: string; readonly events: readonly BootEvent[] }[];
  /** Seconds from the first container start to verify green (or to giving up). */
  readonly bootToVerifySeconds: number;
}

/** One verify run from the admin host: `ip netns exec <vpc> pgha-verify --manifest M --json`. */
async function verifyOnce(namespace: string, manifest: string, env: Env) {
  try {
    const { stdout } = await exec(
      'ip',
      ['netns', 'exec', namespace, process.execPath, VERIFY_BIN, '--manifest', manifest, '--json'],
      {
        timeout: 120_000,
        maxBuffer: 8 * 1024 * 1024,
        env: { PATH: env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' },
      },
    );
    return JSON.parse(stdout) as { ok: boolean; checks: VerifyOutcome['checks'] };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    try {
      return JSON.parse(e.stdout ?? '') as { ok: boolean; checks: VerifyOutcome['checks'] };
    } catch {
      return {
        ok: false,
        checks: [{ id: 'verify', ok: false, detail: (e.stderr || e.message).trim().slice(0, 300), ms: 0 }],
      };
    }
  }
}

/** The last verify report as the outcome of `attempts` runs since `started`. */
function outcome(
  last: { ok: boolean; checks: VerifyOutcome['checks'] },
  attempts: number,
  started: number,
): VerifyOutcome {
  return {
    ok: last.ok,
    attempts,
    waitedSeconds: Math.round((Date.now() - started) / 1000),
    checks: last.checks,
    failed: last.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.detail}`),
  };
}

const outcomeLine = (v: VerifyOutcome) =>
  `${v.ok ? 'green' : 'NOT green'}: ${v.checks.filter((c) => c.ok).length}/${v.checks.length} checks after ${v.attempts} run(s)`;

/**
 * verify from the admin host every 5 s until green or `timeoutS` seconds pass (a cluster that booted once and
 * is recovering: stage 4's replacement). Progress every 20 s names the failing checks.
 */
export async function verifyUntilGreen(
  namespace: string,
  manifest: string,
  timeoutS: number,
  emit: Emit,
  /** The caller's environment: verify runs with its PATH. */
  env: Env,
): Promise<VerifyOutcome> {
  return step(
    emit,
    'verify-again',
    `verify from the admin host inside the VPC until green (up to ${timeoutS} s)`,
    async () => {
      const started = Date.now();
      let attempts = 0;
      let lastSaid = Date.now();
      let last: { ok: boolean; checks: VerifyOutcome['checks'] } = { ok: false, checks: [] };
      while (true) {
        attempts += 1;
        last = await verifyOnce(namespace, manifest, env);
        const waited = (Date.now() - started) / 1000;
        if (last.ok || waited > timeoutS) break;
        if (Date.now() - lastSaid > 20_000) {
          lastSaid = Date.now();
          emit({
            type: 'progress',
            step: 'verify-again',
            message: `${Math.round(waited)} s: failing ${last.checks
              .filter((c) => !c.ok)
              .map((c) => c.id)
              .join(', ')}`,
          });
        }
        await sleep(5000);
      }
      return outcome(last, attempts, started);
    },
    outcomeLine,
  );
}

/**
 * Stages 2 and 3: the root filesystem (cached), the VPC with every instance booted from its user-data, then
 * verify from the admin host inside the VPC, again every 10 s until green or `PGHA_REHEARSE_BOOT_TIMEOUT`
 * seconds (default 900) pass, the instances' boot states said meanwhile; then each instance's timeline.
 */
export async function bootAndVerify(
  options: Omit<BootVpcOptions, 'rootfs'> & {
    readonly prerequisites: BootPrerequisites;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly session: TerraformSession;
    readonly signal?: AbortSignal;
  },
): Promise<BootStageResult> {
  const { layout, emit, config } = options;
  const packages = await rehearsalPackages(options.instances);
  const rootfsStarted = performance.now();
  const rootfs = await step(
    emit,
    'rootfs',
    `Debian 13 root filesystem and package repository (${packages.length} packages the user-data installs)`,
    () =>
      ensureRootfs({
        cacheDir: options.prerequisites.cacheDir,
        packages,
        mmdebstrap: options.prerequisites.mmdebstrap,
        env: options.env,
        onLine: (line) => emit({ type: 'progress', step: 'rootfs', message: line }),
      }),
    (r) => `${r.built ? 'built' : 'cached'} ${r.dir} (${r.debs} .debs)`,
  );
  const rootfsSeconds = (performance.now() - rootfsStarted) / 1000;

  const bootStarted = Date.now();
  const vpc = await bootVpc({
    layout,
    config,
    endpoint: options.endpoint,
    clients: options.clients,
    instances: options.instances,
    vpcId: options.vpcId,
    rootfs,
    emit,
  });

  // The manifest `deploy --target aws` would write, from the same outputs, in the rehearsal's state root.
  const manifestFile = await step(
    emit,
    'manifest',
    'write the manifest deploy --target aws would',
    async () => {
      const outputs = await options.session.json<unknown>(['output', '-json', '-no-color']);
      const stateLayout = layoutFor({
        cluster: config.clusterName,
        stateRoot: layout.stateRoot,
        asRoot: false,
      });
      await writeManifest(
        stateLayout.manifestFile,
        buildAwsManifest({ config, outputs, layout: stateLayout }),
      );
      return stateLayout.manifestFile;
    },
  );

  const timeoutS = Number(options.env.PGHA_REHEARSE_BOOT_TIMEOUT ?? 900);
  const verify = await step(
    emit,
    'verify',
    `boot every instance and verify from the admin host ${vpc.plan.admin} inside the VPC (up to ${timeoutS} s)`,
    async (): Promise<VerifyOutcome> => {
      let attempts = 0;
      let last: { ok: boolean; checks: VerifyOutcome['checks'] } = { ok: false, checks: [] };
      let lastSaid = 0;
      while (true) {
        if (options.signal?.aborted)
          throw new RehearsalError(
            'INTERRUPTED',
            `interrupted (${String(options.signal.reason)}) while the instances boot`,
          );
        const states = await Promise.all(
          vpc.instances.map(async (i) => [i.name, await bootState(i.root)] as const),
        );
        const done = states.every(([, s]) => s.startsWith('active/'));
        if (done) {
          attempts += 1;
          last = await verifyOnce(vpc.plan.namespace, manifestFile, options.env);
          if (last.ok) break;
        }
        const waited = (Date.now() - bootStarted) / 1000;
        if (waited > timeoutS) break;
        if (Date.now() - lastSaid > 20_000) {
          lastSaid = Date.now();
          const failing = last.checks.filter((c) => !c.ok).map((c) => c.id);
          emit({
            type: 'progress',
            step: 'verify',
            message: `${Math.round(waited)} s: ${states.map(([n, s]) => `${n} ${s}`).join(', ')}${attempts > 0 ? `; verify #${attempts}: ${failing.join(', ') || 'ok'}` : ''}`,
          });
        }
        await sleep(done ? 10_000 : 3_000);
      }
      return outcome(last, attempts, bootStarted);
    },
    outcomeLine,
  );
  const bootToVerifySeconds = Math.round((Date.now() - bootStarted) / 100) / 10;
  const timelines = await Promise.all(
    vpc.instances.map(async (i) => ({ name: i.name, events: await bootTimeline(i.root, bootStarted) })),
  );
  const { packages: asked, ...cached } = rootfs;
  return {
    rootfs: { ...cached, packages: asked.length, seconds: Math.round(rootfsSeconds * 10) / 10 },
    vpc,
    manifestFile,
    verify,
    timelines,
    bootToVerifySeconds,
  };
}

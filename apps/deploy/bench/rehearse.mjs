#!/usr/bin/env node
// Rehearsal stage 1 benchmark: the wall time of `pgha rehearse` on the example config (moto_server start,
// seeding, synth, terraform init + apply of the whole stack, read-back), then of `--destroy`, with the
// step times of each run. Usage: pnpm run bench:rehearse (in apps/deploy) [RUNS=1]. Needs moto_server,
// Terraform and the provider mirror; contacts nothing off this machine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const config = new URL('../../../examples/aws-config.example.json', import.meta.url).pathname;
const runs = Number(process.env.RUNS ?? 1);

/** "ok  <title> 12.3s - detail" lines of the human reporter, as [title, seconds]. */
const steps = (stderr) =>
  stderr
    .split('\n')
    .map((l) => /^ok {2}(.*?) (\d+\.\d)s( - .*)?$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [m[1], Number(m[2])]);

const totals = [];
for (let i = 1; i <= runs; i++) {
  const root = await mkdtemp(join(tmpdir(), 'pgha-bench-rehearse-'));
  const args = ['--config', config, '--state-dir', join(root, 'state')];
  try {
    const started = performance.now();
    const { stderr } = await exec(process.execPath, [bin, 'rehearse', ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (performance.now() - started) / 1000;
    totals.push(seconds);
    const destroyStarted = performance.now();
    await exec(process.execPath, [bin, 'rehearse', ...args, '--destroy']);
    const destroySeconds = (performance.now() - destroyStarted) / 1000;
    const byStep = steps(stderr);
    const of = (prefix) => byStep.find(([title]) => title.startsWith(prefix))?.[1] ?? Number.NaN;
    console.log(
      `run ${i}/${runs}: ${seconds.toFixed(1)} s (emulator start ${of('start moto_server')} s, seed ${of('create the VPC')} s, init ${of('terraform init')} s, apply ${of('terraform apply')} s), --destroy ${destroySeconds.toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`run ${i} failed: ${error.stderr ?? error.message}`);
    await exec(process.execPath, [bin, 'rehearse', ...args, '--destroy']).catch(() => undefined);
    process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
if (totals.length > 0) {
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(
    `\nrehearsal stage 1 (emulator + seed + synth + terraform apply of the example stack + read-back), ${totals.length} run(s) on ${cpus().length} cores: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} s`,
  );
}

#!/usr/bin/env node
// Cold deploy benchmark: empty state dir -> `pgha deploy` returns, which it does only once HAProxy's :5432
// reaches the primary and :5433 a replica. Prints every run, the median and the phases of the last run.
// Usage: pnpm run bench (in apps/deploy) [RUNS=5]. Uses its own loopback range (127.45.x.y).
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const runs = Number(process.env.RUNS ?? 5);
const target = 10;

const times = [];
let phases = '';
for (let i = 1; i <= runs; i++) {
  const root = await mkdtemp(join(tmpdir(), 'pgha-bench-'));
  await chmod(root, 0o755);
  const args = ['--cluster', 'bench', '--state-dir', join(root, 'state'), '--nodes-dir', join(root, 'nodes')];
  const started = performance.now();
  try {
    const { stderr } = await exec(
      process.execPath,
      [bin, 'deploy', ...args, '--address-base', '127.45', '--no-install'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    times.push(seconds);
    phases = stderr;
    console.log(`run ${i}/${runs}: ${seconds.toFixed(2)} s`);
  } finally {
    await exec(process.execPath, [bin, 'destroy', ...args, '--purge']).catch((error) => {
      console.error(`destroy failed: ${error.stderr ?? error.message}`);
    });
    await rm(root, { recursive: true, force: true });
  }
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log('');
console.log(
  `cold deploy (empty state -> both load balancer ports correct), ${runs} runs on ${(await import('node:os')).cpus().length} cores:`,
);
console.log(
  `  median ${median.toFixed(2)} s, min ${sorted[0].toFixed(2)} s, max ${sorted.at(-1).toFixed(2)} s (target <= ${target} s: ${median <= target ? 'met' : 'NOT met'})`,
);
console.log('\nphases of the last run:');
console.log(phases.trimEnd());

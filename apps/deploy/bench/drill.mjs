#!/usr/bin/env node
// Failure-drill benchmark: runs drills on throwaway clusters (127.50.x.y) and prints the table and whether the
// targets are met. Targets: host-crash write gap <= ttl + 1.5 s (median, profile fast); switchover maximum
// write gap <= 3 s. Usage (after a build): node apps/deploy/bench/drill.mjs [TRIALS=3] [ALL=1 for the matrix]
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const trials = String(process.env.TRIALS ?? 3);

async function drill(args) {
  const started = new Date().toISOString();
  const { stdout } = await exec(
    process.execPath,
    [bin, 'drill', ...args, '--trials', trials, '--no-install', '--json'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  ).catch((error) => ({ stdout: error.stdout ?? '' }));
  const doc = JSON.parse(stdout);
  return { ...doc, started };
}

const s = (ms) => (ms === undefined || ms === null ? '-' : (ms / 1000).toFixed(1));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average before: ${load()}`);

const runs = [];
if (process.env.ALL === '1') {
  runs.push(await drill(['--all']));
} else {
  runs.push(await drill(['--scenario', 'host-crash', '--profile', 'fast']));
  runs.push(await drill(['--scenario', 'switchover', '--profile', 'fast']));
}
const results = runs.flatMap((r) => r.runs ?? []);
const errors = runs.flatMap((r) => r.errors ?? []);
const { summarize, formatTable } = await import('@pgha/drills');
console.log('');
console.log(formatTable(summarize(results)));
for (const e of errors) console.log(`error: ${e}`);

const crash = results.filter((r) => r.scenario === 'host-crash' && r.profile === 'fast');
if (crash.length > 0) {
  const gaps = crash
    .map((r) => r.writeGapMs)
    .filter((x) => x !== undefined)
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  const bound = (crash[0].timing.ttl + 1.5) * 1000;
  console.log(
    `target host-crash (fast) median write gap <= ttl + 1.5 s = ${s(bound)} s: median ${s(median)} s over ${gaps.length} -> ${median <= bound ? 'met' : 'NOT met'}`,
  );
}
const sw = results.filter((r) => r.scenario === 'switchover');
if (sw.length > 0) {
  const max = Math.max(...sw.map((r) => r.writeGapMs ?? Number.POSITIVE_INFINITY));
  console.log(
    `target switchover maximum write gap <= 3 s: max ${s(max)} s over ${sw.length} -> ${max <= 3000 ? 'met' : 'NOT met'}`,
  );
}
console.log(`load average after: ${load()}`);

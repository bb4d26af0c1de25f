/**
 * Synth time of the full example stack (EtcdCluster with 3 members + PatroniCluster with 3 nodes + NLB),
 * in-process, as the deploy app does it. Prints wall-clock and CPU time (CPU time is the steadier figure on a
 * shared machine); asserts nothing. Target: a synth <= 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function measure(fn: () => unknown): Promise<Sample> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
}

let mod: typeof import('../aws-stack.js') | undefined;
const load = await measure(async () => {
  mod = await import('../aws-stack.js');
});
if (mod === undefined) throw new Error('aws-stack did not load');
const { synthExample, loadExampleConfig } = mod;
const config = loadExampleConfig();

const runs: Sample[] = [];
for (let i = 0; i < 6; i++) {
  const out = mkdtempSync(join(tmpdir(), 'pgha-bench-'));
  runs.push(await measure(() => synthExample(out, config, { planOnly: true })));
  rmSync(out, { recursive: true, force: true });
}
const first = runs[0] as Sample;
const warm = runs.slice(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (s: Sample) =>
  `${s.wallMs.toFixed(0).padStart(5)} ms wall, ${s.cpuMs.toFixed(0).padStart(5)} ms CPU`;

console.log('example stack synth (3 etcd members, 3 Patroni nodes, internal NLB; deep provider imports)');
console.log(
  `  load average: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (${'2 cores'})`,
);
console.log(`  module load (tsx, cdktf, provider classes, constructs, userdata): ${fmt(load)}`);
console.log(`  first synth:                                                    ${fmt(first)}`);
console.log(
  `  warm synth, median of ${warm.length}:                                     ${fmt({
    wallMs: median(warm.map((s) => s.wallMs)),
    cpuMs: median(warm.map((s) => s.cpuMs)),
  })}`,
);
console.log(`  target: synth <= 1000 ms`);
console.log(
  `  heap used: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, rss: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);

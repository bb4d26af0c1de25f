/**
 * Synth time of the full example stack (EtcdCluster with 3 members + PatroniCluster with 3 nodes + NLB),
 * in-process, as `pnpm run deploy -- --target aws` would do it. Prints figures; asserts nothing.
 * Target: a warm synth <= 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const { synthExample, loadExampleConfig } = await import('../aws-stack.js');
const importMs = performance.now() - t0;

const config = loadExampleConfig();
const runs: number[] = [];
for (let i = 0; i < 6; i++) {
  const out = mkdtempSync(join(tmpdir(), 'pgha-bench-'));
  const start = performance.now();
  synthExample(out, config, { planOnly: true });
  runs.push(performance.now() - start);
  rmSync(out, { recursive: true, force: true });
}
const [firstMs, ...warm] = runs;
const sorted = [...warm].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
console.log('example stack synth (3 etcd members, 3 Patroni nodes, NLB; deep provider imports)');
console.log(`  module load (cdktf + provider classes + constructs): ${fmt(importMs)}`);
console.log(`  first synth:                                        ${fmt(firstMs ?? Number.NaN)}`);
console.log(`  warm synth, median of ${warm.length}:                         ${fmt(median)}`);
console.log(
  `  cold total (load + first synth):                    ${fmt(importMs + (firstMs ?? 0))}  (target <= 1000 ms)`,
);
console.log(
  `  heap used: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, rss: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);

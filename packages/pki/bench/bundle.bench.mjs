// Full-bundle benchmark: @pgha/pki next to an openssl CLI script making the same set (bench/openssl-bundle.sh).
// Runs are interleaved so both sides see the same machine load. Prints figures; asserts nothing.
//
// usage: node bench/bundle.bench.mjs [RUNS]      (needs a build: `pnpm run build`; `pnpm run bench` does it)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle, ensureBundle, verifyChain } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const cpuCount = availableParallelism();

/** CA + 5 etcd members + 3 Patroni nodes (etcd client, PostgreSQL, REST each) + 2 clients = 17 keys. */
const spec = {
  clusterName: 'bench',
  etcdMembers: [1, 2, 3, 4, 5].map((i) => ({
    name: `etcd-${i}`,
    ipAddresses: [`127.0.10.${i}`, '127.0.0.1'],
  })),
  patroniNodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, ipAddresses: [`127.0.20.${i}`] })),
  postgresServiceAddresses: { ipAddresses: ['127.0.30.1'] },
  clients: [{ name: 'verify' }, { name: 'operator' }],
};
const KEYS = 1 + 5 + 3 * 3 + 2;

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU time (user + system, all threads of this process) since `start`, in ms. */
const cpuMs = (start) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
/** bash's `times` prints shell then children user/system times as `0m1.234s 0m0.100s`. */
const childCpuMs = (timesOutput) => {
  const line = timesOutput.trim().split('\n').at(-1) ?? '';
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000,
    0,
  );
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const countCerts = (dir) =>
  readdirSync(dir, { recursive: true }).filter(
    (f) => String(f).endsWith('.crt') && statSync(join(dir, String(f))).isFile(),
  ).length;

const samples = {
  'pgha createBundle (in memory)': [],
  'pgha ensureBundle (new directory, written)': [],
  'pgha ensureBundle (re-run, nothing to do)': [],
  [`openssl script, ${cpuCount} jobs in parallel`]: [],
  'openssl script, sequential (1 job)': [],
};
const keys = Object.keys(samples);
const cpu = Object.fromEntries(keys.map((k) => [k, []]));

console.log(
  `@pgha/pki bench: full bundle = CA + 5 etcd members + 3 Patroni nodes x 3 roles + 2 clients = ${KEYS} RSA-2048 keys and certificates`,
);
console.log(
  `machine: ${cpuCount} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`runs: ${runs}, interleaved; times are wall clock\n`);

for (let run = 1; run <= runs; run++) {
  const work = mkdtempSync(join(tmpdir(), 'pgha-pki-bench-'));
  try {
    let t = process.hrtime.bigint();
    let c = process.cpuUsage();
    const memory = await createBundle(spec);
    samples[keys[0]].push(ms(t));
    cpu[keys[0]].push(cpuMs(c));
    if (!verifyChain(memory.patroni['pg-3'].rest.certPem, memory.ca.certPem).valid)
      throw new Error('bad bundle');

    t = process.hrtime.bigint();
    c = process.cpuUsage();
    const { changes } = await ensureBundle(join(work, 'pgha'), spec);
    samples[keys[1]].push(ms(t));
    cpu[keys[1]].push(cpuMs(c));
    if (changes.filter((c) => c.action === 'issued').length !== KEYS)
      throw new Error('ensureBundle did not issue all');

    t = process.hrtime.bigint();
    c = process.cpuUsage();
    const again = await ensureBundle(join(work, 'pgha'), spec);
    samples[keys[2]].push(ms(t));
    cpu[keys[2]].push(cpuMs(c));
    if (again.changes.some((c) => c.action !== 'kept')) throw new Error('re-run changed something');

    for (const [i, jobs] of [
      [3, cpuCount],
      [4, 1],
    ]) {
      const out = join(work, `openssl-${jobs}`);
      t = process.hrtime.bigint();
      const times = execFileSync(
        'bash',
        ['-c', 'bash "$0" "$1" "$2" >&2; times', join(here, 'openssl-bundle.sh'), out, String(jobs)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      samples[keys[i]].push(ms(t));
      cpu[keys[i]].push(childCpuMs(times));
      if (countCerts(out) !== KEYS) throw new Error(`openssl script made ${countCerts(out)} certificates`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`run ${run}/${runs} done\n`);
}

const pad = Math.max(...keys.map((k) => k.length));
const fmt = (x) => x.toFixed(0).padStart(8);
console.log(`\n${'what'.padEnd(pad)}  wall ms: median     min     max   CPU ms: median   wall samples`);
for (const k of keys) {
  const xs = samples[k];
  console.log(
    `${k.padEnd(pad)}  ${' '.repeat(8)}${fmt(median(xs))}${fmt(Math.min(...xs))}${fmt(Math.max(...xs))}   ${' '.repeat(7)}${fmt(median(cpu[k]))}   ${xs.map((x) => x.toFixed(0)).join(' ')}`,
  );
}

const ours = median(samples[keys[0]]);
const onDisk = median(samples[keys[1]]);
const opensslPar = median(samples[keys[3]]);
const opensslSeq = median(samples[keys[4]]);
const oursCpu = median(cpu[keys[1]]);
const opensslCpu = median(cpu[keys[3]]);
console.log('');
console.log(
  `full bundle, @pgha/pki: ${ours.toFixed(0)} ms in memory, ${onDisk.toFixed(0)} ms written to disk (medians)`,
);
console.log(
  `full bundle, openssl CLI: ${opensslPar.toFixed(0)} ms with ${cpuCount} parallel jobs, ${opensslSeq.toFixed(0)} ms sequential (medians)`,
);
console.log(
  `vs openssl (parallel): ${(opensslPar / onDisk).toFixed(2)}x the speed (on disk); vs sequential: ${(opensslSeq / onDisk).toFixed(2)}x`,
);
console.log(
  `CPU time for the full bundle: @pgha/pki ${oursCpu.toFixed(0)} ms, openssl script ${opensslCpu.toFixed(0)} ms ` +
    `(on an idle machine the wall time is about CPU time / ${cpuCount} CPUs: ~${(oursCpu / cpuCount).toFixed(0)} ms vs ~${(opensslCpu / cpuCount).toFixed(0)} ms)`,
);
const verdict = onDisk <= 1000 ? 'MET' : 'MISSED';
console.log(`target <= 1000 ms for a full bundle: ${verdict} (${onDisk.toFixed(0)} ms on disk)`);
if (verdict === 'MISSED') {
  console.log(
    `  why: the work is CPU-bound and almost all of it is RSA-2048 key generation (a random prime search): the full ` +
      `bundle takes ${oursCpu.toFixed(0)} ms of CPU (~${(oursCpu / KEYS).toFixed(0)} ms per key), so even with all ${cpuCount} ` +
      `CPUs to itself it cannot finish in under ~${(oursCpu / cpuCount).toFixed(0)} ms; on a shared machine it takes longer. ` +
      'node-forge encoding, native signing and the file writes are a small part. Meeting 1 s needs more cores or ECDSA keys.',
  );
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

#!/usr/bin/env node
// Rehearsal benchmark: the wall time of `pgha rehearse` on the example config, per stage: emulator + seed +
// synth + terraform apply (stage 1), the root filesystem (built, or taken from the cache), the VPC and boot of
// every instance to verify green (stages 2-3), with DRILL=1 stage 4 (an etcd member's instance replaced until
// verify is green again; the primary's instance terminated under the drill workload), then `--destroy`. Usage:
// pnpm run bench:rehearse (in apps/deploy) [RUNS=1] [DRILL=1] [APPLY_ONLY=1 for stage 1 alone, no root needed]. Needs moto_server, Terraform, the
// provider mirror; to boot: root, mmdebstrap, systemd-nspawn, HAProxy. Contacts nothing off this machine but
// Debian's archive, from the host, when the root filesystem is not cached yet.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const config = new URL('../../../examples/aws-config.example.json', import.meta.url).pathname;
const runs = Number(process.env.RUNS ?? 1);
const applyOnly = process.env.APPLY_ONLY === '1';
const drill = process.env.DRILL === '1' && !applyOnly;

/** "ok  <title> 12.3s - detail" lines of the human reporter, as [title, seconds]. */
const steps = (stderr) =>
  stderr
    .split('\n')
    .map((l) => /^ok {2}(.*?) (\d+\.\d)s( - .*)?$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [m[1], Number(m[2])]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const totals = [];
const rows = [];
for (let i = 1; i <= runs; i++) {
  const root = await mkdtemp(join(tmpdir(), 'pgha-bench-rehearse-'));
  const args = ['--config', config, '--cluster', 'rbench', '--state-dir', join(root, 'state')];
  try {
    const started = performance.now();
    const { stderr } = await exec(
      process.execPath,
      [bin, 'rehearse', ...args, ...(applyOnly ? ['--apply-only'] : []), ...(drill ? ['--drill'] : [])],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = (performance.now() - started) / 1000;
    totals.push(seconds);
    const destroyStarted = performance.now();
    await exec(process.execPath, [bin, 'rehearse', ...args, '--destroy']);
    const destroySeconds = (performance.now() - destroyStarted) / 1000;
    const byStep = steps(stderr);
    const of = (prefix) => byStep.filter(([t]) => t.startsWith(prefix)).reduce((a, [, s]) => a + s, 0);
    const stage1 =
      of('start moto_server') +
      of('create the VPC') +
      of('synthesize') +
      of('terraform init') +
      of('terraform apply') +
      of('read back');
    const row = {
      total: seconds,
      stage1,
      apply: of('terraform apply'),
      rootfs: of('Debian 13 root filesystem'),
      rootfsCached: /- cached /.test(stderr),
      vpc:
        of('network namespace') +
        of('attach') +
        of('start IMDSv2') +
        byStep.filter(([t]) => /^boot (?!every )/.test(t)).reduce((a, [, s]) => a + s, 0) +
        of('the NLB stand-in'),
      bootToVerify: of('boot every instance and verify'),
      etcdReplaced:
        of('terminate etcd-') +
        of('wait for ') +
        of('boot the replacement') +
        of('verify from the admin host inside the VPC until green'),
      primaryDrill: of('drill instance-terminated'),
      destroy: destroySeconds,
    };
    rows.push(row);
    console.log(
      `run ${i}/${runs}: ${seconds.toFixed(1)} s = emulator + apply ${row.stage1.toFixed(1)} s (apply ${row.apply} s)` +
        (applyOnly
          ? ''
          : `, root filesystem ${row.rootfs} s (${row.rootfsCached ? 'cached' : 'built'}), VPC + containers started ${row.vpc.toFixed(1)} s, boot to verify green ${row.bootToVerify} s`) +
        (drill
          ? `, stage 4: etcd instance replaced to verify green ${row.etcdReplaced.toFixed(1)} s, primary's instance terminated (drill) ${row.primaryDrill} s`
          : '') +
        `; --destroy ${destroySeconds.toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`run ${i} failed: ${(error.stderr ?? error.message).slice(-4000)}`);
    await exec(process.execPath, [bin, 'rehearse', ...args, '--destroy']).catch(() => undefined);
    process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
if (totals.length > 0) {
  const m = (k) => median(rows.map((r) => r[k])).toFixed(1);
  console.log(
    `\nrehearsal of the example stack, ${totals.length} run(s) on ${cpus().length} cores, medians: total ${median(totals).toFixed(1)} s; emulator + apply ${m('stage1')} s` +
      (applyOnly ? '' : `; root filesystem ${m('rootfs')} s; boot to verify green ${m('bootToVerify')} s`) +
      (drill ? `; etcd replacement ${m('etcdReplaced')} s; primary drill ${m('primaryDrill')} s` : '') +
      `; --destroy ${m('destroy')} s`,
  );
}

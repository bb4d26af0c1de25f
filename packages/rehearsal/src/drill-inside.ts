// The process stage 4 of a rehearsal runs inside the VPC's network namespace (`ip netns exec <vpc> node
// drill-inside.js <work dir>`, started by `drillRehearsal` on the host): the drill engine against the
// rehearsal's cluster, its clients on the admin host, the names resolved by the VPC's resolver. Its report is
// the last line of stdout (JSON, `InsideDrillOutput`); the drill's progress goes to stderr, which the host
// passes on. A script of this package, not a library module: it prints, and sets its exit code.
import { drillInsideVpc } from './drill.js';

const workDir = process.argv[2];
if (workDir === undefined) {
  process.stderr.write('usage: drill-inside.js <rehearsal work dir>\n');
  process.exitCode = 2;
} else {
  const out = await drillInsideVpc({ workDir }, (e) => {
    if (e.type === 'progress') process.stderr.write(`${e.message}\n`);
    else if (e.type === 'step-failed') process.stderr.write(`failed: ${e.step}: ${e.error}\n`);
    else if (e.type === 'warning') process.stderr.write(`warning: ${e.message}\n`);
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = out.ok ? 0 : 1;
}

import { tmpdir } from 'node:os';
import {
  DEFAULT_CLIENTS,
  DRILL_PROFILE_NAMES,
  type DrillProfileName,
  type DrillRequest,
  type DrillResult,
  formatTable,
  isDrillError,
  isDrillProfileName,
  isScenarioName,
  MAX_CLIENTS,
  runDrill,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
  summarize,
} from '@pgha/drills';
import { adminNamespace, DRILL_CLUSTER, insideNamespace, LocalDrillTarget } from '@pgha/local-cluster';
import type { CommandFlags, FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { argvOf, runDrillInNetns } from '../netns.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { LOCAL_CLUSTER_FLAGS } from './context.js';

export const FLAGS = {
  ...LOCAL_CLUSTER_FLAGS,
  scenario: { type: 'string' },
  all: { type: 'boolean' },
  failsafe: { type: 'string' },
  trials: { type: 'string' },
  clients: { type: 'string' },
} as const satisfies FlagTable;

const BASE = /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

interface Plan {
  readonly scenario: ScenarioName;
  readonly profile: DrillProfileName;
  readonly failsafe: boolean;
}

function usage(message: string, hint: string): DeployError {
  return new DeployError('USAGE', message, { hint });
}

/** `pgha drill`: inject faults into throwaway clusters and print what they cost. Exit 1 if a required check failed. */
export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  const all = flags.all === true;
  const scenario = flags.scenario;
  if (!all && scenario === undefined) {
    throw usage('drill needs --scenario NAME or --all', `scenarios: ${SCENARIO_NAMES.join(', ')}`);
  }
  if (scenario !== undefined && !isScenarioName(scenario)) {
    throw usage(
      `--scenario ${JSON.stringify(scenario)} is not a drill`,
      `scenarios: ${SCENARIO_NAMES.join(', ')}`,
    );
  }
  if (flags.profile !== undefined && !isDrillProfileName(flags.profile)) {
    throw usage(
      `--profile ${JSON.stringify(flags.profile)} is not a drill profile`,
      `use ${DRILL_PROFILE_NAMES.join(', ')}`,
    );
  }
  if (flags.sync === true && flags.async === true)
    throw usage('--sync and --async were both given', 'choose one');
  const trialsText = flags.trials ?? '1';
  const trials = /^\d+$/.test(trialsText) ? Number(trialsText) : Number.NaN;
  if (!(trials >= 1 && trials <= 50)) {
    throw usage(`--trials ${JSON.stringify(flags.trials)} is not valid`, 'give a whole number from 1 to 50');
  }
  const clientsText = flags.clients ?? String(DEFAULT_CLIENTS);
  const clients = /^\d+$/.test(clientsText) ? Number(clientsText) : Number.NaN;
  if (!(clients >= 1 && clients <= MAX_CLIENTS)) {
    throw usage(
      `--clients ${JSON.stringify(flags.clients)} is not valid`,
      `give a whole number from 1 to ${MAX_CLIENTS} (writing clients through the load balancer; default ${DEFAULT_CLIENTS})`,
    );
  }
  const failsafeText = flags.failsafe;
  if (failsafeText !== undefined && failsafeText !== 'on' && failsafeText !== 'off') {
    throw usage(
      `--failsafe ${JSON.stringify(failsafeText)} is not valid`,
      'use --failsafe on or --failsafe off',
    );
  }
  const addressBase = flags['address-base'] ?? '127.50';
  if (!BASE.test(addressBase) || addressBase === '127.0') {
    throw usage(
      `--address-base ${JSON.stringify(addressBase)} is not valid for a drill`,
      "give 127.N with N from 1 to 255 (127.0 is where a developer's main cluster lives); default 127.50",
    );
  }
  const network = flags.network ?? 'loopback';
  if (network !== 'loopback' && network !== 'netns') {
    throw usage(
      `--network ${JSON.stringify(network)} is not valid`,
      'use --network loopback (the default) or --network netns (every node its own host; needed by the partition scenarios; root)',
    );
  }
  const synchronousMode = flags.async !== true;
  const profiles: DrillProfileName[] = isDrillProfileName(flags.profile)
    ? [flags.profile]
    : all
      ? [...DRILL_PROFILE_NAMES]
      : ['fast'];
  const scenarios: ScenarioName[] = all ? scenariosForAll(network) : [scenario as ScenarioName];
  const needs = all ? [] : (SCENARIOS.find((s) => s.name === scenario)?.requires ?? []);
  if (needs.includes('instances')) {
    throw usage(
      `--scenario ${scenario} terminates an instance: no local target has instances`,
      'run it in the AWS rehearsal: pnpm run rehearse -- --config FILE --drill',
    );
  }
  if (needs.includes('network') && network !== 'netns') {
    throw usage(
      `--scenario ${scenario} cuts or degrades links: the loopback network has none`,
      `add --network netns (every node its own host; root): pnpm run drill -- --network netns --scenario ${scenario}`,
    );
  }
  const plans: Plan[] = [];
  for (const s of scenarios) {
    for (const profile of profiles) {
      if (failsafeText !== undefined) plans.push({ scenario: s, profile, failsafe: failsafeText === 'on' });
      else {
        plans.push({ scenario: s, profile, failsafe: false });
        // The matrix shows losing etcd quorum both ways.
        if (all && s === 'etcd-quorum') plans.push({ scenario: s, profile, failsafe: true });
      }
    }
  }

  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  // netns: the drill runs in the drill cluster's admin host, the one place that reaches its nodes.
  if (network === 'netns' && !(await insideNamespace(adminNamespace(DRILL_CLUSTER)))) {
    return runDrillInNetns({
      addressBase,
      tempDir: tmpdir(),
      stateRoot: tmpdir(),
      argv: argvOf('drill', flags),
      io,
      install: flags['no-install'] !== true,
      allowUnsafe: flags['allow-unsafe-components'] === true,
      emit: (event) => reporter.event(event),
    });
  }
  const target = new LocalDrillTarget({
    network,
    addressBase,
    install: flags['no-install'] !== true,
    allowUnsafeComponents: flags['allow-unsafe-components'] === true,
    onWarning: (event) => reporter.event(event),
  });
  const abort = new AbortController();
  // Ctrl-C (or a CI timeout) mid-drill: SIGKILL and purge the throwaway cluster, then exit as interrupted.
  const interrupted = (sig: NodeJS.Signals) => {
    io.stderr.write(`\n${sig}: stopping and purging the drill cluster\n`);
    abort.abort(sig);
    void target.interrupt().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const run = (request: DrillRequest) =>
      runDrill(request, target, { onEvent: (event) => reporter.event(event), signal: abort.signal });
    const code = await runPlans(plans, trials, synchronousMode, clients, run, json, io);
    return code;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

async function runPlans(
  plans: readonly Plan[],
  trials: number,
  synchronousMode: boolean,
  clients: number,
  run: (request: DrillRequest) => Promise<DrillResult>,
  json: boolean,
  io: Io,
): Promise<number> {
  const results: DrillResult[] = [];
  const errors: string[] = [];
  const diagnostics: { run: string; lines: readonly string[] }[] = [];
  for (const plan of plans) {
    for (let trial = 1; trial <= trials; trial++) {
      const label = `${plan.scenario} / ${plan.profile} / ${synchronousMode ? 'sync' : 'async'}${plan.scenario === 'etcd-quorum' ? ` / failsafe ${plan.failsafe ? 'on' : 'off'}` : ''} (trial ${trial}/${trials})`;
      if (!json) io.stderr.write(`\n== drill ${label}\n`);
      const request: DrillRequest = {
        scenario: plan.scenario,
        profile: plan.profile,
        synchronousMode,
        failsafe: plan.failsafe,
        clients,
      };
      try {
        const result = await run(request);
        results.push(result);
        if (!json) io.stderr.write(describe(result));
      } catch (error) {
        const message = `${label}: ${(error as Error).message}`;
        errors.push(message);
        io.stderr.write(`drill failed: ${message}\n`);
        const lines = isDrillError(error) ? error.diagnostics : [];
        if (lines.length > 0) {
          diagnostics.push({ run: label, lines });
          io.stderr.write(`what the cluster looked like:\n${lines.map((l) => `  ${l}\n`).join('')}`);
        }
      }
    }
  }
  const summary = summarize(results);
  const ok = errors.length === 0 && results.every((r) => r.ok);
  if (json) {
    io.stdout.write(`${JSON.stringify({ version: 1, ok, summary, runs: results, errors, diagnostics })}\n`);
  } else {
    io.stdout.write(`\n${formatTable(summary)}`);
    io.stdout.write(
      '\nseconds: median (min-max) over the trials, from the fault. WRITE GAP: longest pause between acknowledged writes\n' +
        'through the load balancer; LOST: acknowledged writes missing at the end; UNACKED: rows present whose commit\n' +
        'was never acknowledged; 2 PRIMARIES: 100 ms samples in which two members answered /primary; LATE ACKS:\n' +
        'writes acknowledged by a node other than the promoted one after the promotion; DUP IDS: ids read back\n' +
        "twice; FOREIGN TL: rows not on the final primary's timeline history.\n",
    );
    for (const e of errors) io.stdout.write(`error: ${e}\n`);
  }
  return ok ? 0 : 1;
}

/** The human account of one drill run (also the rehearsal's stage 4). */
export function describe(r: DrillResult): string {
  const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    `timings: ttl ${r.timing.ttl} loop_wait ${r.timing.loopWait} retry_timeout ${r.timing.retryTimeout}; HAProxy inter ${r.timing.haproxy.intervalMs / 1000}s fall ${r.timing.haproxy.fall} rise ${r.timing.haproxy.rise}`,
    `primary before: ${r.oldPrimary}; after: ${r.newPrimary ?? 'none'}${r.leaderChanged ? ` (promoted at +${s(r.promotedAtMs)})` : ' (no leader change)'}`,
    `write gap: ${s(r.writeGapMs)}${r.writeGap ? ` (from ${s(r.writeGap.fromMs)} to ${s(r.writeGap.toMs)})` : ''}`,
    `old primary rejoined: ${r.rejoined === undefined ? 'n/a' : r.rejoined ? `yes, at +${s(r.rejoinedAtMs)}` : 'NO'}`,
    `writes (${r.clients} clients): ${r.writes.acknowledged} acknowledged of ${r.writes.attempted}; lost ${r.writes.lost}; present without acknowledgement ${r.writes.presentUnacknowledged} (in doubt ${r.writes.inDoubt})`,
    `acknowledged after the promotion by another node: ${r.writes.acknowledgedAfterPromotion}; ids read twice: ${r.writes.duplicateIds}; rows off the final timeline history: ${r.writes.foreignTimelineRows}${r.timelineHistory ? ` (timeline ${r.timelineHistory.current}${r.timelineHistory.ancestors.map((a) => `, ${a.timeline} until ${a.endLsn}`).join('')})` : ''}`,
    `rows by server: ${r.rowsByServer.map((b) => `${b.member} tl${b.timeline} ${b.rows}`).join(', ')}`,
    `two primaries: ${r.doublePrimarySamples} of ${r.primarySamples} samples`,
    ...(r.oldPrimaryDirectWrites.attempted > 0
      ? [
          `straight to the old primary: ${r.oldPrimaryDirectWrites.acknowledged} of ${r.oldPrimaryDirectWrites.attempted} acknowledged, ${r.oldPrimaryDirectWrites.acknowledgedAfterPromotion} after the promotion`,
        ]
      : []),
    ...r.notes.map((n) => `note: ${n}`),
    ...r.clientErrors.map((e) => `client: ${s(e.fromMs)}..${s(e.toMs)} ${e.count} x ${e.message}`),
    ...r.checks.map((c) => `${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.id}: ${c.detail}`),
    `${r.ok ? 'PASS' : 'FAIL'} in ${s(r.durationMs)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * What `--all` runs on the local target: every scenario whose capabilities it has. It always signals its
 * processes; it cuts links with --network netns only; it has no instances to terminate (instance-terminated is
 * the AWS rehearsal's --drill).
 */
export function scenariosForAll(network: 'loopback' | 'netns'): ScenarioName[] {
  const local = (r: string) => r === 'processes' || (r === 'network' && network === 'netns');
  return SCENARIOS.filter((s) => (s.requires ?? []).every(local)).map((s) => s.name);
}

import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { useColor } from './color.js';
import { isVerifyError, VerifyError } from './errors.js';
import { locateManifest } from './locate-manifest.js';
import { type Manifest, readManifest } from './manifest.js';
import { cannotEnter, insideNamespace, runInNamespace } from './netns.js';
import { formatReport, formatReportJson } from './render.js';
import { CHECK_IDS, type CheckId, REPORT_VERSION, type VerifyReport } from './report.js';
import { verifyCluster } from './verify-cluster.js';

/** Where the CLI writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Ends `--watch` (the bin wires SIGINT/SIGTERM to it). */
  readonly signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage: pgha-verify [options]

Smoke-tests a deployed pgha cluster from its manifest: etcd, Patroni, PostgreSQL through the load
balancer, and certificate expiry. Exit 0 when every check passes, 1 when one fails, 2 on bad usage or
a bad manifest.

Options:
  --manifest PATH   the deployment's manifest.json (default: <state dir>/<cluster>/manifest.json)
  --state-dir DIR   where deploy keeps its deployments, as for pgha deploy (default: $PGHA_STATE_DIR or ./.pgha)
  --cluster NAME    which deployment under the state dir (needed when there are several)
  --timeout T       time per check: 2500, 2500ms or 2.5s (default 5s)
  --check ID        run only this check (repeatable): ${CHECK_IDS.join(', ')}
  --warn-days N     tls.expiry warns for certificates expiring within N days (default 30)
  --json            print the report as JSON, nothing else on stdout
  --watch           run again every second until interrupted
  -h, --help        this help
  -v, --version     print the version
`;

class UsageError extends Error {}

function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--timeout: "${v}" is not a duration; use e.g. 2000, 2000ms or 2s`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (ms < 1 || ms > 600_000) throw new UsageError(`--timeout: "${v}" is out of range; allowed 1ms to 600s`);
  return Math.round(ms);
}

interface Parsed {
  manifest?: string;
  stateDir?: string;
  cluster?: string;
  timeoutMs: number;
  checks?: CheckId[];
  warnDays?: number;
  json: boolean;
  watch: boolean;
  help: boolean;
  version: boolean;
}

function parse(argv: readonly string[]): Parsed {
  let values: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>
  >['values'];
  // `pnpm verify -- --json` passes the `--` on: a leading one separates nothing here.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? String(e));
  }
  const checks = values.check?.map((c) => {
    if (!(CHECK_IDS as readonly string[]).includes(c)) {
      throw new UsageError(`--check: unknown check "${c}"; known: ${CHECK_IDS.join(', ')}`);
    }
    return c as CheckId;
  });
  let warnDays: number | undefined;
  if (values['warn-days'] !== undefined) {
    warnDays = Number(values['warn-days']);
    if (!Number.isInteger(warnDays) || warnDays < 0 || warnDays > 3650) {
      throw new UsageError(
        `--warn-days: "${values['warn-days']}" must be a whole number of days from 0 to 3650`,
      );
    }
  }
  if (values.manifest !== undefined && values.cluster !== undefined) {
    throw new UsageError('--manifest and --cluster exclude each other: the manifest names its cluster');
  }
  if (values.manifest !== undefined && values['state-dir'] !== undefined) {
    throw new UsageError(
      '--manifest and --state-dir exclude each other: give the manifest, or where to find it',
    );
  }
  return {
    ...(values.manifest !== undefined ? { manifest: values.manifest } : {}),
    ...(values['state-dir'] !== undefined ? { stateDir: values['state-dir'] } : {}),
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    timeoutMs: values.timeout !== undefined ? parseDuration(values.timeout) : 5000,
    ...(checks ? { checks } : {}),
    ...(warnDays !== undefined ? { warnDays } : {}),
    json: values.json ?? false,
    watch: values.watch ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

const OPTIONS = {
  manifest: { type: 'string' },
  'state-dir': { type: 'string' },
  cluster: { type: 'string' },
  timeout: { type: 'string' },
  check: { type: 'string', multiple: true },
  'warn-days': { type: 'string' },
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const VERSION = '0.1.0';

/**
 * Runs the CLI and returns its exit code: 0 every check passed, 1 a check failed, 2 usage or manifest error.
 * Never calls `process.exit` and reads nothing from `process` beyond what `io` gives.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`pgha-verify: ${e.message}\nTry 'pgha-verify --help'.\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (args.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }

  let manifest: Manifest;
  try {
    const file =
      args.manifest !== undefined
        ? resolve(io.cwd, args.manifest)
        : await locateManifest({
            stateDir: resolve(io.cwd, args.stateDir ?? (io.env.PGHA_STATE_DIR || '.pgha')),
            ...(args.cluster !== undefined ? { cluster: args.cluster } : {}),
          });
    manifest = await readManifest(file);
  } catch (e) {
    return inputError(e, io, args.json);
  }
  // --network netns: the cluster's addresses exist only inside its namespaces; run again in its admin host.
  if (manifest.network && !(await insideNamespace(manifest.network.namespace))) {
    const why = await cannotEnter(manifest.network.namespace, process.getuid?.());
    if (why !== '')
      return inputError(new VerifyError('MANIFEST_INVALID', why, { fields: ['network'] }), io, args.json);
    return runInNamespace(manifest.network.namespace, argv, io);
  }

  const color = !args.json && useColor(io.stdout, io.env);
  const once = async (): Promise<VerifyReport> => {
    // On a TTY, stderr says which checks are still running and for how long (a dead member costs a timeout).
    const progress = !args.json && !!io.stderr.isTTY && !args.watch;
    const pending = new Set<string>(args.checks ?? CHECK_IDS);
    const total = pending.size;
    const t0 = performance.now();
    const show = () => {
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      const waiting = [...pending].join(', ');
      io.stderr.write(
        `\x1b[2K\rverifying ${manifest.cluster}: ${total - pending.size}/${total} done, waiting for ${waiting} (${s} s)`,
      );
    };
    const ticker = progress ? setInterval(show, 250) : undefined;
    ticker?.unref();
    try {
      return await verifyCluster(manifest, {
        timeoutMs: args.timeoutMs,
        ...(args.checks ? { checks: args.checks } : {}),
        ...(args.warnDays !== undefined ? { tlsWarnDays: args.warnDays } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        onCheck: (r) => {
          pending.delete(r.id);
        },
      });
    } finally {
      clearInterval(ticker);
      if (progress) io.stderr.write('\x1b[2K\r');
    }
  };

  try {
    let report = await once();
    const show = (r: VerifyReport) => {
      if (args.json) io.stdout.write(formatReportJson(r));
      else {
        if (args.watch && io.stdout.isTTY) io.stdout.write('\x1b[H\x1b[2J');
        io.stdout.write(formatReport(r, { color }));
        if (args.watch)
          io.stdout.write(`\n${new Date().toISOString()}  refreshing every second; Ctrl-C stops\n`);
      }
    };
    show(report);
    while (args.watch && !io.signal?.aborted) {
      try {
        await sleep(1000, undefined, io.signal ? { signal: io.signal } : {});
      } catch {
        break;
      }
      const next = await once();
      if (io.signal?.aborted) break;
      report = next;
      show(report);
    }
    return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
  } catch (e) {
    return inputError(e, io, args.json);
  }
}

function inputError(e: unknown, io: CliIo, json: boolean): number {
  if (!isVerifyError(e)) {
    // A bug, not bad input: keep the stack.
    io.stderr.write(`pgha-verify: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_CHECK_FAILED;
  }
  io.stderr.write(`pgha-verify: ${e.message}\n`);
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        version: REPORT_VERSION,
        ok: false,
        error: { code: e.code, message: e.message, fields: e.fields },
      })}\n`,
    );
  }
  return EXIT_USAGE;
}

/** Entry point of the `pgha-verify` bin: wires the process to {@link run}. */
export async function main(): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    process.exitCode = await run(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: ac.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

import type { CheckResult, VerifyReport } from './report.js';

/** Options of {@link formatReport}. */
export interface FormatOptions {
  /** ANSI colours. The CLI enables them as `useColor` says (a TTY, `NO_COLOR` unset or empty). @default false */
  readonly color?: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
type Style = keyof typeof ANSI;

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number) =>
    right.has(i) ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0);
  const line = (r: readonly string[]) => `| ${r.map(cell).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(head), rule, ...rows.map(line), rule];
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');

/** The human report: Patroni members (like `patronictl list`), etcd members, one line per check, a summary. */
export function formatReport(report: VerifyReport, options: FormatOptions = {}): string {
  const paint = (s: string, style: Style) => (options.color ? `\x1b[${ANSI[style]}m${s}\x1b[0m` : s);
  const out: string[] = [];
  out.push(paint(`Cluster ${report.cluster} (${report.target})`, 'bold'), '');

  if (report.patroni.members.length > 0) {
    const rows = report.patroni.members.map((m) => [
      m.name,
      m.host,
      title(m.role),
      m.state,
      m.timeline === undefined ? '' : String(m.timeline),
      m.lagBytes === undefined ? '' : String(Math.round((m.lagBytes / 1024 / 1024) * 10) / 10),
    ]);
    out.push(...table(['Member', 'Host', 'Role', 'State', 'TL', 'Lag in MB'], rows, new Set([4, 5])), '');
  }
  if (report.etcd.members.length > 0) {
    const rows = report.etcd.members.map((m) => [
      m.name,
      m.id,
      m.clientUrls.join(','),
      m.error ? 'unreachable' : m.learner ? 'learner' : m.isLeader ? 'leader' : m.raftTerm ? 'follower' : '',
      m.raftTerm ?? '',
      m.version ?? '',
    ]);
    out.push(
      ...table(['etcd member', 'ID', 'Client URL', 'Role', 'Raft term', 'Version'], rows, new Set([4])),
      '',
    );
  }

  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 0);
  for (const c of report.checks) out.push(checkLine(c, idWidth, paint));

  const passed = report.checks.filter((c) => c.status === 'pass').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  const failed = report.checks.filter((c) => c.status === 'fail');
  const counts = `${passed} passed, ${failed.length} failed${warned > 0 ? `, ${warned} warned` : ''}`;
  const verdict =
    failed.length === 0
      ? paint(`cluster ${report.cluster} is healthy`, 'green')
      : paint(`cluster ${report.cluster} is NOT healthy: ${failed.map((c) => c.id).join(', ')}`, 'red');
  out.push('', `${counts} in ${report.ms} ms: ${verdict}`);
  return `${out.join('\n')}\n`;
}

function checkLine(c: CheckResult, idWidth: number, paint: (s: string, style: Style) => string): string {
  const tag =
    c.status === 'pass'
      ? paint('PASS', 'green')
      : c.status === 'warn'
        ? paint('WARN', 'yellow')
        : paint('FAIL', 'red');
  return `${tag}  ${c.id.padEnd(idWidth)}  ${c.detail}  ${paint(`${c.ms} ms`, 'dim')}`;
}

/** The `--json` document: the report, one line, nothing else. */
export function formatReportJson(report: VerifyReport): string {
  return `${JSON.stringify(report)}\n`;
}

/**
 * A primary's timeline history: its current timeline and, for every ancestor, the WAL position where it
 * ended (PostgreSQL's `<tli>.history` file: `parentTLI <tab> switchpoint <tab> reason` a line).
 */
export interface TimelineHistory {
  readonly current: number;
  readonly ancestors: readonly { readonly timeline: number; readonly endLsn: string }[];
}

/** `X/Y` (pg_lsn text) as a number of bytes. */
export function lsnToBigInt(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`${JSON.stringify(lsn)} is not a WAL position (X/Y in hex)`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** The name of a timeline's history file in pg_wal: `00000002.history`. */
export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/** Parse the content of `<current>.history` (empty for timeline 1, which has no history file). */
export function parseTimelineHistory(current: number, text: string): TimelineHistory {
  const ancestors: { timeline: number; endLsn: string }[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const [tli, lsn] = t.split(/\s+/);
    const timeline = Number(tli);
    if (!Number.isInteger(timeline) || lsn === undefined) {
      throw new Error(`timeline history of ${current}: cannot read line ${JSON.stringify(line)}`);
    }
    lsnToBigInt(lsn);
    ancestors.push({ timeline, endLsn: lsn });
  }
  return { current, ancestors };
}

/**
 * Whether a write made at `lsn` on `timeline` is part of this history: on the current timeline, or on an
 * ancestor before the point where that ancestor ended. A row outside it was written on a branch the primary
 * never replayed.
 */
export function onHistory(history: TimelineHistory, timeline: number, lsn: string): boolean {
  if (timeline === history.current) return true;
  const ancestor = history.ancestors.find((a) => a.timeline === timeline);
  return ancestor !== undefined && lsnToBigInt(lsn) < lsnToBigInt(ancestor.endLsn);
}

import { type RestTls, rest } from '../local/https.js';

export interface Member {
  readonly name: string;
  readonly host: string;
  readonly rest: string;
}

export interface PrimarySample {
  /** Epoch ms the sample was sent. */
  readonly at: number;
  /** Members that answered 200 to /primary in this sample. */
  readonly primaries: readonly string[];
}

/**
 * Asks every member's REST `/primary` every `intervalMs` (OPTIONS: same status codes as GET, without
 * Patroni 3.0.2's traceback per request) and keeps every sample. A member that does not answer within
 * the timeout counts as "not primary" for that sample.
 */
export class PrimarySampler {
  readonly samples: PrimarySample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inflight = new Set<Promise<void>>();

  constructor(
    private readonly members: readonly Member[],
    private readonly tls: RestTls,
    private readonly intervalMs = 100,
    private readonly timeoutMs = 900,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.intervalMs);
    this.#tick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#inflight]);
  }

  #tick(): void {
    const at = Date.now();
    const p = Promise.all(
      this.members.map((m) =>
        rest(`${m.rest}/primary`, this.tls, { method: 'OPTIONS', timeoutMs: this.timeoutMs }).then(
          (r) => (r.status === 200 ? m.name : undefined),
          () => undefined,
        ),
      ),
    ).then((answers) => {
      this.samples.push({ at, primaries: answers.filter((a): a is string => a !== undefined) });
    });
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  /** The one primary of the latest sample sent at or after `since` that had exactly one, if any. */
  current(since = 0): string | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i] as PrimarySample;
      if (s.at < since) break;
      if (s.primaries.length === 1) return s.primaries[0];
    }
    return undefined;
  }

  /** The first sample sent at or after `since` where exactly `name` answered. */
  firstSoleAnswer(name: string, since: number): PrimarySample | undefined {
    return [...this.samples]
      .sort((a, b) => a.at - b.at)
      .find((s) => s.at >= since && s.primaries.length === 1 && s.primaries[0] === name);
  }

  /** Samples in which two or more members answered /primary. */
  doublePrimaries(): PrimarySample[] {
    return this.samples.filter((s) => s.primaries.length > 1);
  }
}

import { type RestTls, rest } from '@pgha/clients';

/** A Patroni member as the drills address it. */
export interface Member {
  readonly name: string;
  /** Its own PostgreSQL address: an IP or a DNS name (the AWS manifest's `pg-1.<cluster>.<zone>`). */
  readonly host: string;
  /** Its REST API base URL. */
  readonly rest: string;
  /**
   * The IP its PostgreSQL reports as `inet_server_addr()`, which the rows and acknowledgements carry: `host`
   * itself when that is an IP, else `host` resolved once when the drill starts.
   */
  readonly address?: string;
}

export interface PrimarySample {
  /** Epoch ms the sample was sent. */
  readonly at: number;
  /**
   * Epoch ms the last answer of this sample was in (or its timeout passed): what the sample says was true by
   * then at the latest. @default at
   */
  readonly answeredAt?: number;
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
  #timer: ReturnType<typeof setInterval> | undefined;
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
      this.samples.push({
        at,
        answeredAt: Date.now(),
        primaries: answers.filter((a): a is string => a !== undefined),
      });
    });
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  /** The one primary of the latest sample sent at or after `since` that had exactly one, if any. */
  current(since = 0): string | undefined {
    return currentPrimary(this.samples, since);
  }

  /** The first sample sent at or after `since` where exactly `name` answered. */
  firstSoleAnswer(name: string, since: number): PrimarySample | undefined {
    return firstSoleAnswer(this.samples, name, since);
  }
}

/** The one primary of the latest sample sent at or after `since` that had exactly one, if any. */
export function currentPrimary(samples: readonly PrimarySample[], since = 0): string | undefined {
  let best: PrimarySample | undefined;
  for (const s of samples) {
    if (s.at < since || s.primaries.length !== 1) continue;
    if (!best || s.at >= best.at) best = s;
  }
  return best?.primaries[0];
}

/** The first sample sent at or after `since` where exactly `name` answered. */
export function firstSoleAnswer(
  samples: readonly PrimarySample[],
  name: string,
  since: number,
): PrimarySample | undefined {
  let best: PrimarySample | undefined;
  for (const s of samples) {
    if (s.at < since || s.primaries.length !== 1 || s.primaries[0] !== name) continue;
    if (!best || s.at < best.at) best = s;
  }
  return best;
}

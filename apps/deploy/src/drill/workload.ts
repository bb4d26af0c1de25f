import type pg from 'pg';
import { type PgTarget, pgClient } from '../local/probes.js';

/** Where the drill's clients connect: the load balancer's 5432, or one member directly. */
export type PgEndpoint = PgTarget;

/** The drill's table: one row per write, tagged with the server that took it, its timeline and its clock. */
export const DRILL_TABLE_SQL = `create table if not exists pgha_drill (
  id bigint primary key,
  addr inet not null,
  tli int not null,
  at timestamptz not null
)`;

// The timeline of the WAL being written now: the first 8 hex digits of the current WAL file's name.
const INSERT_SQL = `insert into pgha_drill (id, addr, tli, at)
  values ($1, inet_server_addr(), ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,
          clock_timestamp())`;

/** One statement on a fresh connection. */
export async function pgOnce<T extends pg.QueryResultRow>(
  target: PgEndpoint,
  sql: string,
  timeoutMs: number,
  values: unknown[] = [],
): Promise<T[]> {
  const client = pgClient(target, timeoutMs, timeoutMs, 'pgha-drill');
  try {
    await client.connect();
    return (await client.query<T>(sql, values)).rows;
  } finally {
    void client.end().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One client writing unique ids through the load balancer, one autocommit insert at a time, paced by
 * `pauseMs`. Every acknowledged id is kept with the time its commit returned; an id whose outcome is unknown
 * (the connection broke or timed out after the insert was sent) is "in doubt".
 */
export class Writer {
  /** id -> epoch ms when its commit was acknowledged. */
  readonly acked = new Map<number, number>();
  readonly inDoubt = new Set<number>();
  readonly refused = new Set<number>();
  connectFailures = 0;
  /** The first errors met (epoch ms, where, message): what the clients saw during the outage. */
  readonly errors: { at: number; phase: 'connect' | 'write'; message: string }[] = [];
  #next = 1;
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(
    private readonly target: PgEndpoint,
    private readonly pauseMs = 10,
    private readonly timeoutMs = 2000,
    // A new session is TLS, SCRAM and a backend fork: on a busy 2-core machine that alone can take over 1 s.
    private readonly connectTimeoutMs = 3000,
  ) {}

  start(): void {
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
  }

  get attempted(): number {
    return this.#next - 1;
  }

  /** Acknowledgement times in order. */
  ackTimes(): number[] {
    return [...this.acked.values()].sort((a, b) => a - b);
  }

  #error(phase: 'connect' | 'write', error: unknown): void {
    if (this.errors.length >= 200) return;
    const e = error as { code?: string; message?: string };
    this.errors.push({
      at: Date.now(),
      phase,
      message: `${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}`,
    });
  }

  async #loop(): Promise<void> {
    let client: pg.Client | undefined;
    while (!this.#stopping) {
      if (!client) {
        const c = pgClient(this.target, this.connectTimeoutMs, this.timeoutMs, 'pgha-drill');
        try {
          await c.connect();
          client = c;
        } catch (error) {
          this.connectFailures++;
          this.#error('connect', error);
          void c.end().catch(() => {});
          await sleep(50);
          continue;
        }
      }
      const id = this.#next++;
      try {
        await client.query(INSERT_SQL, [id]);
        this.acked.set(id, Date.now());
      } catch (error) {
        // A refusal before the commit (read-only, connection not open) is known not written; anything else
        // (connection lost, timeout) may or may not have committed.
        this.#error('write', error);
        const code = (error as { code?: string }).code;
        if (code === '25006' || code === '57P03') this.refused.add(id);
        else this.inDoubt.add(id);
        void client.end().catch(() => {});
        client = undefined;
        await sleep(20);
        continue;
      }
      await sleep(this.pauseMs);
    }
    if (client) await client.end().catch(() => {});
  }
}

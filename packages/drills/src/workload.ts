import { closeClient, pgClient } from '@pgha/clients';
import type pg from 'pg';
import type { PgEndpoint } from './endpoint.js';
import { APPLICATION_NAME } from './private/pg.js';

/**
 * The drill's table: one row per write, tagged with the client that sent it and, as the server saw it at write
 * time, its address, its WAL timeline and WAL position. No unique constraint on `id` on purpose: a write
 * applied twice must show up as two rows for the duplicate check, not as an error that hides it.
 */
export const DRILL_TABLE_SQL = [
  `create table if not exists pgha_drill (
  id bigint not null,
  client int not null,
  addr inet not null,
  tli int not null,
  lsn pg_lsn not null,
  at timestamptz not null
)`,
  'create index if not exists pgha_drill_id on pgha_drill (id)',
] as const;

// The timeline of the WAL being written now: the first 8 hex digits of the current WAL file's name.
const TIMELINE_NOW = `('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int`;

/** The current timeline of a primary, as the drill's rows record it. */
export const TIMELINE_SQL = `select ${TIMELINE_NOW} as tli`;

const INSERT_SQL = `insert into pgha_drill (id, client, addr, tli, lsn, at)
  values ($1, $2, inet_server_addr(), ${TIMELINE_NOW}, pg_current_wal_lsn(), clock_timestamp())
  returning host(addr) as addr, tli, lsn::text as lsn`;

/** One acknowledged write: when its commit returned, and where the server that took it said it wrote it. */
export interface AckedWrite {
  readonly id: number;
  /** Epoch ms the commit was acknowledged. */
  readonly at: number;
  readonly client: number;
  /** The server's own address (`inet_server_addr()`), not the load balancer's. */
  readonly server: string;
  readonly timeline: number;
  /** WAL position at the insert, `X/Y`. */
  readonly lsn: string;
}

/** A client-side error (the first 200 per client are kept). */
export interface ClientError {
  readonly at: number;
  readonly client: number;
  readonly phase: 'connect' | 'write';
  readonly message: string;
}

/**
 * One client writing unique ids through one connection, one autocommit insert at a time, paced by `pauseMs`.
 * An id whose outcome is unknown (the connection broke or timed out after the insert was sent) is "in doubt";
 * it is never retried (a retry could apply it twice).
 */
export class Writer {
  readonly acked: AckedWrite[] = [];
  readonly inDoubt = new Set<number>();
  readonly refused = new Set<number>();
  readonly errors: ClientError[] = [];
  attempted = 0;
  connectFailures = 0;
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(
    readonly index: number,
    private readonly target: PgEndpoint,
    private readonly nextId: () => number,
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

  #error(phase: 'connect' | 'write', error: unknown): void {
    if (this.errors.length >= 200) return;
    const e = error as { code?: string; message?: string };
    this.errors.push({
      at: Date.now(),
      client: this.index,
      phase,
      message: `${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}`,
    });
  }

  async #loop(): Promise<void> {
    let client: pg.Client | undefined;
    while (!this.#stopping) {
      if (!client) {
        const c = pgClient(this.target, {
          connectTimeoutMs: this.connectTimeoutMs,
          queryTimeoutMs: this.timeoutMs,
          applicationName: APPLICATION_NAME,
        });
        try {
          await c.connect();
          client = c;
        } catch (error) {
          this.connectFailures++;
          this.#error('connect', error);
          void closeClient(c);
          await sleep(50);
          continue;
        }
      }
      const id = this.nextId();
      this.attempted++;
      try {
        const r = await client.query<{ addr: string; tli: number; lsn: string }>(INSERT_SQL, [
          id,
          this.index,
        ]);
        const row = r.rows[0];
        this.acked.push({
          id,
          at: Date.now(),
          client: this.index,
          server: row?.addr ?? '',
          timeline: row?.tli ?? 0,
          lsn: row?.lsn ?? '0/0',
        });
      } catch (error) {
        // A refusal before the commit (read-only, connection not open) is known not written; anything else
        // (connection lost, timeout) may or may not have committed.
        this.#error('write', error);
        const code = (error as { code?: string }).code;
        if (code === '25006' || code === '57P03') this.refused.add(id);
        else this.inDoubt.add(id);
        void closeClient(client);
        client = undefined;
        await sleep(20);
        continue;
      }
      await sleep(this.pauseMs);
    }
    if (client) await closeClient(client);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the workload did, merged over its clients. */
export interface WorkloadLog {
  readonly clients: number;
  readonly attempted: number;
  readonly acked: readonly AckedWrite[];
  readonly inDoubt: ReadonlySet<number>;
  readonly refused: ReadonlySet<number>;
  readonly errors: readonly ClientError[];
}

/** `clients` writers through the same endpoint, each on its own connection, drawing ids from one sequence. */
export class Workload {
  readonly writers: readonly Writer[];
  #next = 1;

  constructor(target: PgEndpoint, clients: number) {
    const nextId = () => this.#next++;
    this.writers = Array.from({ length: clients }, (_, i) => new Writer(i + 1, target, nextId));
  }

  start(): void {
    for (const w of this.writers) w.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.stop()));
  }

  get ackedCount(): number {
    return this.writers.reduce((n, w) => n + w.acked.length, 0);
  }

  /** Whether any write was acknowledged after `since` (epoch ms). */
  ackedAfter(since: number): boolean {
    return this.writers.some((w) => w.acked.some((a) => a.at > since));
  }

  /** Acknowledgements within [from, to]. */
  ackedBetween(from: number, to: number): number {
    return this.writers.reduce((n, w) => n + w.acked.filter((a) => a.at >= from && a.at <= to).length, 0);
  }

  log(): WorkloadLog {
    return {
      clients: this.writers.length,
      attempted: this.writers.reduce((n, w) => n + w.attempted, 0),
      acked: this.writers.flatMap((w) => w.acked),
      inDoubt: new Set(this.writers.flatMap((w) => [...w.inDoubt])),
      refused: new Set(this.writers.flatMap((w) => [...w.refused])),
      errors: this.writers.flatMap((w) => w.errors).sort((a, b) => a.at - b.at),
    };
  }
}

import type { PgEndpoint } from './endpoint.js';
import { pgOnce } from './private/pg.js';

/** The old primary's probe table: writes that bypass the load balancer. */
export const DIRECT_TABLE_SQL =
  'create table if not exists pgha_drill_direct (n bigint, at timestamptz default clock_timestamp())';

/** Writes straight to one node every 250 ms, bypassing the load balancer: does the old primary still take writes? */
export class DirectProbe {
  readonly acks: number[] = [];
  attempted = 0;
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(private readonly target: PgEndpoint) {}

  start(): void {
    this.#done = (async () => {
      while (!this.#stopping) {
        this.attempted++;
        try {
          await pgOnce(this.target, 'insert into pgha_drill_direct (n) values ($1)', 1000, [this.attempted]);
          this.acks.push(Date.now());
        } catch {
          // refused, read-only, unreachable or stuck waiting for a synchronous standby
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
  }
}

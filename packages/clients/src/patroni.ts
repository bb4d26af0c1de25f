import { ClientError } from './errors.js';
import { type RestTls, rest } from './https.js';

/**
 * A member in Patroni's `GET /cluster`: the one member type deploy, verify and the drills share.
 */
export interface PatroniMember {
  readonly name: string;
  /** `leader`, `replica`, `sync_standby`, `standby_leader`, ...; Patroni 2's `master` is read as `leader`. */
  readonly role: string;
  /** `running`, `streaming`, `starting`, `stopped`, ... as Patroni says. */
  readonly state: string;
  /** The member's REST API URL as Patroni reports it (`https://h:8008/patroni`); `''` when it names none. */
  readonly apiUrl: string;
  /** Its PostgreSQL address. @default - Patroni named none */
  readonly host?: string;
  /** Its PostgreSQL port. @default - Patroni named none */
  readonly port?: number;
  /** @default - Patroni named none (a member without a running PostgreSQL) */
  readonly timeline?: number;
  /** Replication lag in bytes. @default - the leader, or Patroni says "unknown" */
  readonly lag?: number;
}

type Obj = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The members in a parsed `GET /cluster` answer; undefined when it has no `members` list (not Patroni's REST
 * API, or older than 2.1). Fields of the wrong type read as absent (`''` for the strings).
 */
export function parsePatroniMembers(doc: unknown): PatroniMember[] | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const members = (doc as Obj).members;
  if (!Array.isArray(members)) return undefined;
  return members.map((raw: unknown): PatroniMember => {
    const m = (typeof raw === 'object' && raw !== null ? raw : {}) as Obj;
    const role = str(m.role);
    const host = str(m.host);
    const port = num(m.port);
    const timeline = num(m.timeline);
    const lag = num(m.lag);
    return {
      name: str(m.name),
      role: role === 'master' ? 'leader' : role,
      state: str(m.state),
      apiUrl: str(m.api_url),
      ...(host ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(timeline !== undefined ? { timeline } : {}),
      ...(lag !== undefined ? { lag } : {}),
    };
  });
}

/**
 * Patroni's `/cluster` view from one member's REST API (`restUrl` is its base, `https://h:8008`). Throws a
 * {@link ClientError} `HTTP_STATUS` on an answer other than 200 and `PROTOCOL` on a body that is not JSON;
 * network errors reject as they come. An answer without a `members` list is no members.
 */
export async function patroniCluster(
  restUrl: string,
  tls: RestTls,
  timeoutMs: number,
): Promise<PatroniMember[]> {
  const url = `${restUrl}/cluster`;
  const { status, body } = await rest(url, tls, { timeoutMs });
  if (status !== 200) throw new ClientError('HTTP_STATUS', `${url} answered HTTP ${status}`, { url });
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (cause) {
    throw new ClientError('PROTOCOL', `${url} answered HTTP 200 without JSON (is this Patroni's REST API?)`, {
      url,
      cause,
    });
  }
  return parsePatroniMembers(doc) ?? [];
}

async function patroniJson(
  url: string,
  tls: RestTls,
  timeoutMs: number,
  accept: readonly number[],
): Promise<Obj> {
  const { status, body } = await rest(url, tls, { timeoutMs });
  if (!accept.includes(status))
    throw new ClientError('HTTP_STATUS', `${url} answered HTTP ${status}`, { url });
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (cause) {
    throw new ClientError(
      'PROTOCOL',
      `${url} answered HTTP ${status} without JSON (is this Patroni's REST API?)`,
      {
        url,
        cause,
      },
    );
  }
  if (typeof doc !== 'object' || doc === null) {
    throw new ClientError('PROTOCOL', `${url} answered HTTP ${status} without a JSON object`, { url });
  }
  return doc as Obj;
}

/** What a Patroni node runs: its Patroni version and PostgreSQL's, as it says them. */
export interface PatroniVersions {
  /** e.g. `4.0.7`. @default - the node did not say */
  readonly patroni: string | undefined;
  /** e.g. `15.20` (Patroni's `server_version` 150020). @default - no PostgreSQL runs */
  readonly postgres: string | undefined;
}

/**
 * `GET /patroni` of one node: the Patroni and PostgreSQL versions it runs. A 503 (a replica, or a node without a
 * running PostgreSQL) still describes the node; any other status but 200 is a {@link ClientError} `HTTP_STATUS`.
 */
export async function patroniVersions(
  restUrl: string,
  tls: RestTls,
  timeoutMs: number,
): Promise<PatroniVersions> {
  const doc = await patroniJson(`${restUrl}/patroni`, tls, timeoutMs, [200, 503]);
  const pv =
    typeof doc.patroni === 'object' && doc.patroni !== null ? (doc.patroni as Obj).version : undefined;
  const sv = doc.server_version;
  return {
    patroni: typeof pv === 'string' ? pv : undefined,
    postgres: typeof sv === 'number' && sv > 0 ? `${Math.floor(sv / 10000)}.${sv % 10000}` : undefined,
  };
}

/** Patroni's leader-election timings, seconds. */
export interface PatroniTimings {
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
}

/**
 * The effective leader-election timings: Patroni's dynamic configuration (`GET /config`), as the cluster uses
 * them. A {@link ClientError} `HTTP_STATUS` on an answer other than 200, `PROTOCOL` when a timing is missing.
 */
export async function patroniTimings(
  restUrl: string,
  tls: RestTls,
  timeoutMs: number,
): Promise<PatroniTimings> {
  const url = `${restUrl}/config`;
  const doc = await patroniJson(url, tls, timeoutMs, [200]);
  const seconds = (v: unknown, name: string) => {
    if (typeof v !== 'number') throw new ClientError('PROTOCOL', `${url} has no ${name}`, { url });
    return v;
  };
  return {
    ttl: seconds(doc.ttl, 'ttl'),
    loopWait: seconds(doc.loop_wait, 'loop_wait'),
    retryTimeout: seconds(doc.retry_timeout, 'retry_timeout'),
  };
}

/** Base URL of a member's REST API from Patroni's `api_url` (`https://h:8008/patroni` -> `https://h:8008`). */
export function restBase(apiUrl: string): string {
  try {
    const u = new URL(apiUrl);
    return `${u.protocol}//${u.host}`;
  } catch {
    return apiUrl;
  }
}

import { ClientError } from './errors.js';
import { type RestTls, rest } from './https.js';

function parse(url: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new ClientError('PROTOCOL', `${url} answered without JSON (is this etcd's client URL?)`, {
      url,
      cause,
    });
  }
}

/**
 * etcd's `/health` on one client URL (`https://h:2379`), over TLS with a client certificate: true when it answers
 * 200 with `"health": "true"`. Rejects on network and TLS errors and on a body that is not JSON.
 */
export async function etcdHealthy(endpoint: string, tls: RestTls, timeoutMs: number): Promise<boolean> {
  const url = `${endpoint}/health`;
  const { status, body } = await rest(url, tls, { timeoutMs });
  return status === 200 && (parse(url, body) as { health?: unknown }).health === 'true';
}

/**
 * Whether this etcd member is the raft leader now (its maintenance status, `POST /v3/maintenance/status`):
 * false on an answer other than 200.
 */
export async function etcdIsLeader(endpoint: string, tls: RestTls, timeoutMs: number): Promise<boolean> {
  const url = `${endpoint}/v3/maintenance/status`;
  const { status, body } = await rest(url, tls, { method: 'POST', body: {}, timeoutMs });
  if (status !== 200) return false;
  const doc = parse(url, body) as { header?: { member_id?: unknown }; leader?: unknown };
  return doc.leader !== undefined && doc.leader === doc.header?.member_id;
}

/**
 * The etcd server version a member runs (`/version` on its client URL). Throws a {@link ClientError}
 * `HTTP_STATUS` on an answer other than 200 and `PROTOCOL` when it names no `etcdserver` version.
 */
export async function etcdVersion(endpoint: string, tls: RestTls, timeoutMs: number): Promise<string> {
  const url = `${endpoint}/version`;
  const { status, body } = await rest(url, tls, { timeoutMs });
  if (status !== 200) throw new ClientError('HTTP_STATUS', `${url} answered HTTP ${status}`, { url });
  const version = (parse(url, body) as { etcdserver?: unknown }).etcdserver;
  if (typeof version !== 'string') {
    throw new ClientError('PROTOCOL', `${url} named no etcdserver version`, { url });
  }
  return version;
}

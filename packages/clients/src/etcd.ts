import { ClientError } from './errors.js';
import { type RestTls, rest } from './https.js';

/** A member in etcd's member list (`POST /v3/cluster/member/list`). */
export interface EtcdMember {
  /** The member id, decimal (the JSON gateway's uint64 as a string). */
  readonly id: string;
  /** Empty while the member has not started (added but never joined). */
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** One member's maintenance status (`POST /v3/maintenance/status`). */
export interface EtcdStatus {
  /** The answering member's id, decimal. */
  readonly memberId: string;
  /** The raft leader's id; `0` when this member knows no leader (no quorum). */
  readonly leader: string;
  readonly raftTerm: string;
  /** The server version, e.g. `3.5.16`. */
  readonly version: string;
  readonly errors: readonly string[];
  readonly isLearner: boolean;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const s = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** A parsed `/v3/maintenance/status` answer; fields of the wrong type read as `''` (`leader`: `'0'`). */
export function parseEtcdStatus(doc: unknown): EtcdStatus {
  const b = obj(doc);
  const header = obj(b.header);
  return {
    memberId: s(header.member_id),
    leader: s(b.leader) || '0',
    raftTerm: s(b.raftTerm) || s(header.raft_term),
    version: s(b.version),
    errors: strs(b.errors),
    isLearner: b.isLearner === true,
  };
}

/** A parsed `/v3/cluster/member/list` answer: the answering member's id and every member. */
export function parseEtcdMemberList(doc: unknown): { memberId: string; members: EtcdMember[] } {
  const b = obj(doc);
  const members = (Array.isArray(b.members) ? b.members : []).map((raw: unknown) => {
    const m = obj(raw);
    return {
      id: s(m.ID),
      name: s(m.name),
      peerUrls: strs(m.peerURLs),
      clientUrls: strs(m.clientURLs),
      isLearner: m.isLearner === true,
    };
  });
  return { memberId: s(obj(b.header).member_id), members };
}

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
  const { memberId, leader } = parseEtcdStatus(parse(url, body));
  return memberId !== '' && leader === memberId;
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

import { Agent } from 'node:https';
import { type EtcdMember, type EtcdStatus, parseEtcdMemberList, parseEtcdStatus } from '@pgha/clients';
import { jsonCall } from './json-call.js';
import { ProbeFailure, type TlsClient } from './probe-failure.js';

// The member and status types, their parsers and the transport (rest, with an AbortSignal and a keep-alive agent)
// are @pgha/clients' (shared with deploy and the drills); failures are classified for the report here.
export type { EtcdMember, EtcdStatus };

/**
 * What verify needs from etcd. Kept small so the transport can be swapped: the implementation here
 * speaks etcd's v3 HTTP/JSON gateway (`/v3/...`, served by etcd 3.4+ on the client port) over
 * @pgha/clients' `rest` with the client certificate, rather than the `etcd3` gRPC client (see README: why).
 */
export interface EtcdApi {
  memberList(endpoint: string, signal: AbortSignal): Promise<{ memberId: string; members: EtcdMember[] }>;
  status(endpoint: string, signal: AbortSignal): Promise<EtcdStatus>;
  /** A linearizable (quorum) read of one key; resolves only when a quorum answers. */
  quorumRead(endpoint: string, signal: AbortSignal): Promise<void>;
  /** Closes kept-alive connections. */
  close(): void;
}

type Obj = Record<string, unknown>;

/** The gateway implementation of {@link EtcdApi}. */
export function gatewayEtcdApi(tls: TlsClient, timeoutMs: number): EtcdApi {
  // Keep-alive: the member list and the quorum read reuse the connection of the status call (one TLS
  // handshake with client certificate per endpoint instead of three).
  const agent = new Agent({ keepAlive: true });
  const call = async (endpoint: string, path: string, body: unknown, signal: AbortSignal): Promise<Obj> => {
    const url = `${endpoint}${path}`;
    const res = await jsonCall(url, tls, { method: 'POST', body, signal, timeoutMs, agent });
    const b = (res.body ?? {}) as Obj;
    if (res.status !== 200 || typeof b.error === 'string') {
      const msg = typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : '';
      const hint = res.status === 404 ? ' (not an etcd v3 endpoint?)' : '';
      throw new ProbeFailure(
        `${endpoint}: HTTP ${res.status} from ${path}${msg ? `: ${msg}` : ''}${hint}`,
        'protocol',
        undefined,
        endpoint,
      );
    }
    return b;
  };
  return {
    close() {
      agent.destroy();
    },
    async memberList(endpoint, signal) {
      return parseEtcdMemberList(await call(endpoint, '/v3/cluster/member/list', {}, signal));
    },
    async status(endpoint, signal) {
      return parseEtcdStatus(await call(endpoint, '/v3/maintenance/status', {}, signal));
    },
    async quorumRead(endpoint, signal) {
      // key "pgha-verify" (base64); serializable false = linearizable, so it needs a quorum.
      await call(
        endpoint,
        '/v3/kv/range',
        { key: Buffer.from('pgha-verify').toString('base64'), serializable: false, count_only: true },
        signal,
      );
    },
  };
}

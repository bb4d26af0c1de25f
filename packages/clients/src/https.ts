import { type Agent as HttpAgent, request as httpRequest } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ClientError } from './errors.js';

/** PEM material for HTTPS: the cluster CA, and a client certificate where the server asks for one (etcd). */
export interface RestTls {
  readonly ca: string;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

export interface RestCall {
  /** @default 'GET' */
  readonly method?: string;
  /** Sent as JSON (`content-type: application/json`). @default - no body */
  readonly body?: unknown;
  /** `user:password` for HTTP basic authentication (Patroni's unsafe methods). @default - none */
  readonly auth?: string | undefined;
  /**
   * How long the connection may stay silent (connect, handshake, answer); past it the request is destroyed and
   * the promise rejects with a {@link ClientError} `TIMEOUT`.
   */
  readonly timeoutMs: number;
  /**
   * Cancels the call: the request is destroyed and the promise rejects with a {@link ClientError} `ABORTED` whose
   * `cause` is the signal's reason (a `TimeoutError` for `AbortSignal.timeout()`).
   * @default - only `timeoutMs` ends the call
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * A keep-alive agent (`new https.Agent({ keepAlive: true })`) lets calls to one server reuse its connection
   * (one TLS handshake for several calls); the caller destroys it when done.
   * @default - a new connection per call
   */
  readonly agent?: HttpsAgent | HttpAgent | undefined;
}

export interface RestResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * How far a call got before it failed: `connect` (TCP), `tls` (TCP connected, handshake not finished), `answer`
 * (connected, waiting for or reading the answer). A reused keep-alive connection starts at `answer`.
 */
export type RestPhase = 'connect' | 'tls' | 'answer';

const phases = new WeakMap<object, RestPhase>();
const secured = new WeakSet<Socket>();

/**
 * The {@link RestPhase} a call of {@link rest} had reached when it rejected with `error`; undefined for an error
 * that did not come from `rest`. Lets a caller say where to look (nothing listens, the handshake stalls, the
 * server does not answer) without parsing messages.
 */
export function restPhase(error: unknown): RestPhase | undefined {
  return typeof error === 'object' && error !== null ? phases.get(error) : undefined;
}

/**
 * One HTTPS request verified against the cluster CA (an `http:` URL is plain HTTP, `tls` unused: Patroni's REST API
 * with TLS off). No connection reuse unless `call.agent` keeps connections alive. Resolves status and body whatever
 * the status; rejects on network and TLS errors as Node gives them, with a {@link ClientError} `TIMEOUT` when the
 * connection stayed silent for `timeoutMs` and `ABORTED` when `call.signal` aborted. {@link restPhase} tells how far
 * a failed call got.
 */
export function rest(url: string, tls: RestTls, call: RestCall): Promise<RestResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = new URL(url).protocol === 'https:';
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (call.auth !== undefined) headers.authorization = `Basic ${Buffer.from(call.auth).toString('base64')}`;
    const signal = call.signal;
    let phase: RestPhase = 'connect';
    let settled = false;
    const finish = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      finish();
      if (typeof error === 'object' && error !== null) phases.set(error, phase);
      reject(error);
    };
    const onAbort = () => {
      fail(new ClientError('ABORTED', `${url}: the call was aborted`, { url, cause: signal?.reason }));
      req.destroy();
    };
    const req = (isHttps ? httpsRequest : httpRequest)(
      url,
      {
        method: call.method ?? 'GET',
        ...(isHttps
          ? {
              ca: tls.ca,
              ...(tls.cert === undefined ? {} : { cert: tls.cert }),
              ...(tls.key === undefined ? {} : { key: tls.key }),
            }
          : {}),
        headers,
        timeout: call.timeoutMs,
        agent: call.agent ?? false,
      },
      (res) => {
        phase = 'answer';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          if (settled) return;
          finish();
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', fail);
      },
    );
    req.on('socket', (socket: Socket) => {
      // A reused keep-alive socket is connected (and secured) already.
      if (secured.has(socket)) {
        phase = 'answer';
        return;
      }
      const connected = () => {
        phase = isHttps ? 'tls' : 'answer';
      };
      if (socket.connecting) socket.once('connect', connected);
      else connected();
      if (isHttps) {
        (socket as TLSSocket).once('secureConnect', () => {
          secured.add(socket);
          phase = 'answer';
        });
      }
    });
    req.on('timeout', () =>
      req.destroy(new ClientError('TIMEOUT', `no answer from ${url} within ${call.timeoutMs} ms`, { url })),
    );
    req.on('error', fail);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(payload);
  });
}

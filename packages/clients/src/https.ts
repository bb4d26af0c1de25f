import { request } from 'node:https';

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
  /** The whole request, connect included; past it the request is destroyed and the promise rejects. */
  readonly timeoutMs: number;
}

export interface RestResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTPS request verified against the cluster CA (no connection reuse); resolves status and body whatever the
 * status, rejects on network and TLS errors and when no answer came within `timeoutMs`.
 */
export function rest(url: string, tls: RestTls, call: RestCall): Promise<RestResponse> {
  return new Promise((resolve, reject) => {
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (call.auth !== undefined) headers.authorization = `Basic ${Buffer.from(call.auth).toString('base64')}`;
    const req = request(
      url,
      {
        method: call.method ?? 'GET',
        ca: tls.ca,
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        headers,
        timeout: call.timeoutMs,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${call.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

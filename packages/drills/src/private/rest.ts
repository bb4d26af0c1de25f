import { request } from 'node:https';

/** PEM material for HTTPS: the cluster CA, and a client certificate where the server asks for one (etcd). */
export interface RestTls {
  readonly ca: string;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

export interface RestCall {
  readonly method?: string;
  readonly body?: unknown;
  /** `user:password` for HTTP basic authentication (Patroni's unsafe methods). */
  readonly auth?: string | undefined;
  readonly timeoutMs: number;
}

/** One HTTPS request verified against the cluster CA; resolves status and body, rejects on network errors. */
export function rest(
  url: string,
  tls: RestTls,
  call: RestCall,
): Promise<{ readonly status: number; readonly body: string }> {
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

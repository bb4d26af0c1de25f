import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Bundle } from '@pgha/pki';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, loopbackBundles } from '../test/fixtures.js';
import {
  isClientError,
  parsePatroniMembers,
  patroniCluster,
  patroniTimings,
  patroniVersions,
  type RestTls,
  rest,
  restBase,
  restPhase,
} from './index.js';

// A real HTTPS server on loopback with a certificate from @pgha/pki (IP SAN 127.0.0.1), answering what each test
// sets; the client verifies it against the bundle's CA exactly as it does Patroni's and etcd's.

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let bundle: Bundle;
let other: Bundle;
let server: Server;
let connections = 0;
let base: string;
let tls: RestTls;
let answer: (seen: Seen) => { status: number; body: string; delayMs?: number } = () => ({
  status: 200,
  body: '',
});
const seen: Seen[] = [];

beforeAll(async () => {
  ({ bundle, other } = await loopbackBundles());
  const rest1 = bundle.patroni['pg-1']?.rest;
  if (!rest1) throw new Error('bundle without pg-1');
  server = createServer({ key: rest1.key.toPem(), cert: rest1.certPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      };
      seen.push(s);
      const a = answer(s);
      setTimeout(
        () => res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body),
        a.delayMs ?? 0,
      );
    });
  });
  server.on('secureConnection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tls = { ca: bundle.ca.certPem };
});

afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});

describe('rest', () => {
  test('sends method, JSON body and basic auth; resolves any status with its body', async () => {
    answer = () => ({ status: 503, body: '{"state":"running"}' });
    const r = await rest(`${base}/switchover`, tls, {
      method: 'POST',
      body: { leader: 'pg-1' },
      auth: 'patroni:pw',
      timeoutMs: 5000,
    });
    expect(r).toEqual({ status: 503, body: '{"state":"running"}' });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/switchover',
      authorization: `Basic ${Buffer.from('patroni:pw').toString('base64')}`,
      contentType: 'application/json',
      body: '{"leader":"pg-1"}',
    });
  });

  test('GET without body or auth by default', async () => {
    answer = () => ({ status: 200, body: 'ok' });
    expect(await rest(`${base}/health`, tls, { timeoutMs: 5000 })).toEqual({ status: 200, body: 'ok' });
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      authorization: undefined,
      contentType: undefined,
      body: '',
    });
  });

  test('refuses a server whose certificate another CA signed', async () => {
    await expect(rest(`${base}/health`, { ca: other.ca.certPem }, { timeoutMs: 5000 })).rejects.toThrow(
      /certificate/i,
    );
  });

  test('rejects, naming the URL, when no answer comes in time', async () => {
    answer = () => ({ status: 200, body: '', delayMs: 2000 });
    await expect(rest(`${base}/slow`, tls, { timeoutMs: 200 })).rejects.toThrow(
      `no answer from ${base}/slow within 200 ms`,
    );
    const error = await rest(`${base}/slow`, tls, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(isClientError(error) && error.code).toBe('TIMEOUT');
    expect(restPhase(error)).toBe('answer');
  });

  test('an aborted signal ends the call: ABORTED with the reason as cause, and how far it got', async () => {
    answer = () => ({ status: 200, body: '', delayMs: 2000 });
    const signal = AbortSignal.timeout(100);
    const error = await rest(`${base}/slow`, tls, { timeoutMs: 5000, signal }).catch((e: unknown) => e);
    expect(isClientError(error) && error.code).toBe('ABORTED');
    expect((error as Error).cause).toBe(signal.reason);
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(restPhase(error)).toBe('answer');
    const before = AbortSignal.abort();
    const early = await rest(`${base}/slow`, tls, { timeoutMs: 5000, signal: before }).catch(
      (e: unknown) => e,
    );
    expect(isClientError(early) && early.code).toBe('ABORTED');
    expect(restPhase(early)).toBe('connect');
  });

  test('says how far a failed call got: refused at connect, another CA at the handshake', async () => {
    const refused = await rest(`https://127.0.0.1:${await freePort()}/health`, tls, {
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(restPhase(refused)).toBe('connect');
    const untrusted = await rest(`${base}/health`, { ca: other.ca.certPem }, { timeoutMs: 5000 }).catch(
      (e: unknown) => e,
    );
    expect(restPhase(untrusted)).toBe('tls');
    expect(restPhase(new Error('not from rest'))).toBeUndefined();
  });

  test('a keep-alive agent reuses one TLS connection for several calls', async () => {
    answer = () => ({ status: 200, body: '{}' });
    const agent = new Agent({ keepAlive: true });
    const start = connections;
    try {
      for (let i = 0; i < 3; i += 1) {
        expect(await rest(`${base}/health`, tls, { timeoutMs: 5000, agent })).toEqual({
          status: 200,
          body: '{}',
        });
      }
    } finally {
      agent.destroy();
    }
    expect(connections - start).toBe(1);
    await rest(`${base}/health`, tls, { timeoutMs: 5000 });
    await rest(`${base}/health`, tls, { timeoutMs: 5000 });
    expect(connections - start).toBe(3);
  });

  test('an http: URL is plain HTTP (Patroni with TLS off)', async () => {
    const plain = createHttpServer((req, res) => res.writeHead(200).end(`plain ${req.method}`));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    try {
      const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/patroni`;
      expect(await rest(url, tls, { timeoutMs: 5000 })).toEqual({ status: 200, body: 'plain GET' });
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });
});

// Patroni 4.0's GET /cluster (a leader, a streaming sync standby, a replica whose lag Patroni does not know).
const CLUSTER = {
  members: [
    {
      name: 'pg-1',
      role: 'leader',
      state: 'running',
      api_url: 'https://127.0.20.1:8008/patroni',
      host: '127.0.20.1',
      port: 5432,
      timeline: 3,
    },
    {
      name: 'pg-2',
      role: 'sync_standby',
      state: 'streaming',
      api_url: 'https://127.0.20.2:8008/patroni',
      host: '127.0.20.2',
      port: 5432,
      timeline: 3,
      lag: 0,
    },
    {
      name: 'pg-3',
      role: 'replica',
      state: 'starting',
      api_url: 'https://127.0.20.3:8008/patroni',
      lag: 'unknown',
    },
  ],
  scope: 'main',
};

describe('patroniCluster', () => {
  test('reads the members of /cluster', async () => {
    answer = () => ({ status: 200, body: JSON.stringify(CLUSTER) });
    expect(await patroniCluster(base, tls, 5000)).toEqual([
      {
        name: 'pg-1',
        role: 'leader',
        state: 'running',
        apiUrl: 'https://127.0.20.1:8008/patroni',
        host: '127.0.20.1',
        port: 5432,
        timeline: 3,
      },
      {
        name: 'pg-2',
        role: 'sync_standby',
        state: 'streaming',
        apiUrl: 'https://127.0.20.2:8008/patroni',
        host: '127.0.20.2',
        port: 5432,
        timeline: 3,
        lag: 0,
      },
      { name: 'pg-3', role: 'replica', state: 'starting', apiUrl: 'https://127.0.20.3:8008/patroni' },
    ]);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/cluster' });
  });

  test('an answer other than 200 is a ClientError HTTP_STATUS naming the URL', async () => {
    answer = () => ({ status: 503, body: '{}' });
    const error = await patroniCluster(base, tls, 5000).catch((e: unknown) => e);
    expect(isClientError(error) && error.code).toBe('HTTP_STATUS');
    expect((error as Error).message).toBe(`${base}/cluster answered HTTP 503`);
  });

  test('a 200 without JSON is a ClientError PROTOCOL', async () => {
    answer = () => ({ status: 200, body: '<html>' });
    const error = await patroniCluster(base, tls, 5000).catch((e: unknown) => e);
    expect(isClientError(error) && error.code).toBe('PROTOCOL');
  });
});

describe('parsePatroniMembers', () => {
  test("Patroni 2's master reads as leader; fields of the wrong type read as absent", () => {
    expect(
      parsePatroniMembers({
        members: [{ name: 'a', role: 'master', state: 'running', port: '5432', lag: null }, 7],
      }),
    ).toEqual([
      { name: 'a', role: 'leader', state: 'running', apiUrl: '' },
      { name: '', role: '', state: '', apiUrl: '' },
    ]);
  });

  test.each([[null], ['x'], [{}], [{ members: {} }]])('no members list in %j: undefined', (doc) => {
    expect(parsePatroniMembers(doc)).toBeUndefined();
  });
});

test('restBase keeps scheme, host and port of api_url', () => {
  expect(restBase('https://127.0.20.1:8008/patroni')).toBe('https://127.0.20.1:8008');
  expect(restBase('not a url')).toBe('not a url');
});

describe('patroniVersions and patroniTimings', () => {
  test("a replica's 503 from /patroni still names its versions (server_version 150020 is 15.20)", async () => {
    answer = () => ({
      status: 503,
      body: JSON.stringify({ state: 'running', server_version: 150020, patroni: { version: '4.0.7' } }),
    });
    expect(await patroniVersions(base, tls, 5000)).toEqual({ patroni: '4.0.7', postgres: '15.20' });
    expect(seen.at(-1)).toMatchObject({ url: '/patroni' });
  });

  test('/patroni without PostgreSQL running: its version is undefined; a 500 is HTTP_STATUS', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ state: 'stopped', server_version: 0 }) });
    expect(await patroniVersions(base, tls, 5000)).toEqual({ patroni: undefined, postgres: undefined });
    answer = () => ({ status: 500, body: '' });
    const error = await patroniVersions(base, tls, 5000).catch((e: unknown) => e);
    expect(isClientError(error) && error.code).toBe('HTTP_STATUS');
  });

  test('/config: ttl, loop_wait and retry_timeout; a missing one is named', async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ ttl: 20, loop_wait: 2, retry_timeout: 5, postgresql: {} }),
    });
    expect(await patroniTimings(base, tls, 5000)).toEqual({ ttl: 20, loopWait: 2, retryTimeout: 5 });
    expect(seen.at(-1)).toMatchObject({ url: '/config' });
    answer = () => ({ status: 200, body: JSON.stringify({ ttl: 20, retry_timeout: 5 }) });
    await expect(patroniTimings(base, tls, 5000)).rejects.toThrow(`${base}/config has no loop_wait`);
  });
});

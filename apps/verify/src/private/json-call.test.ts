import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentServer } from '../../test/fixture.js';
import { jsonCall } from './json-call.js';
import type { TlsClient } from './probe-failure.js';

// How a failed call through @pgha/clients' rest reads in the report: the paths the CLI and integ tests do not
// reach (rest's own timeout firing before the run's deadline, a cancelled run, a body that is not JSON).

const tls: TlsClient = { ca: 'unused', caField: 'etcd.tls.ca', caPath: 'ca.crt' };
let silent: Awaited<ReturnType<typeof silentServer>>;

beforeAll(async () => {
  silent = await silentServer();
});
afterAll(() => silent.close());

test("rest's own timeout reads like the run's deadline, naming how far the connection got", async () => {
  const url = `https://127.0.0.1:${silent.port}`;
  const signal = new AbortController().signal;
  await expect(jsonCall(url, tls, { timeoutMs: 150, signal })).rejects.toMatchObject({
    kind: 'timeout',
    message:
      `${url}: no answer within 150 ms (TCP connected but the TLS handshake did not finish; ` +
      'is the process stopped or overloaded?)',
  });
});

test('a cancelled run says cancelled', async () => {
  const url = `https://127.0.0.1:${silent.port}`;
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  await expect(jsonCall(url, tls, { timeoutMs: 5000, signal: ac.signal })).rejects.toMatchObject({
    kind: 'other',
    message: `${url}: cancelled`,
  });
});

test('a body that is not JSON is a protocol failure naming the status', async () => {
  const server = createServer((_req, res) => res.writeHead(503).end('<html>'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/patroni`;
  try {
    await expect(
      jsonCall(url, tls, { timeoutMs: 5000, signal: AbortSignal.timeout(5000) }),
    ).rejects.toMatchObject({
      kind: 'protocol',
      message: `${url}: answered HTTP 503 with a body that is not JSON`,
    });
  } finally {
    server.close();
  }
});

import type { ConnectionOptions } from 'node:tls';
import { expect, test } from 'vitest';
import { type PgTarget, pgClient } from './index.js';

// What pgClient hands node-postgres (`query_timeout: false` is its "no limit"); pg.integ.test.ts connects to a real
// server with each mode.
const target: PgTarget = {
  host: '127.0.0.1',
  port: 1,
  user: 'u',
  password: 'p',
  database: 'd',
  ca: 'CA PEM',
};
const sslOf = (t: PgTarget) =>
  (pgClient(t, { applicationName: 'x' }) as unknown as { ssl: ConnectionOptions }).ssl;

test('verify-full by default: the CA and the host name are checked', () => {
  const ssl = sslOf(target);
  expect(ssl).toEqual({ ca: 'CA PEM', rejectUnauthorized: true });
  expect(sslOf({ ...target, sslMode: 'verify-full' })).toEqual(ssl);
});

test('verify-ca checks the CA but accepts any name; require checks nothing', () => {
  const ca = sslOf({ ...target, sslMode: 'verify-ca' });
  expect(ca).toMatchObject({ ca: 'CA PEM', rejectUnauthorized: true });
  expect(ca.checkServerIdentity?.('not-in-the-certificate', {} as never)).toBeUndefined();
  expect(sslOf({ ...target, sslMode: 'require' })).toEqual({ rejectUnauthorized: false });
});

test('no timeouts of its own unless given; queries default to the connect timeout', () => {
  const params = (o: { connectTimeoutMs?: number; queryTimeoutMs?: number }) => {
    const c = pgClient(target, { applicationName: 'x', ...o }) as unknown as {
      _connectionTimeoutMillis: number;
      connectionParameters: { query_timeout?: number };
    };
    return { connect: c._connectionTimeoutMillis, query: c.connectionParameters.query_timeout };
  };
  expect(params({})).toEqual({ connect: 0, query: false });
  expect(params({ connectTimeoutMs: 700 })).toEqual({ connect: 700, query: 700 });
  expect(params({ connectTimeoutMs: 700, queryTimeoutMs: 50 })).toEqual({ connect: 700, query: 50 });
});

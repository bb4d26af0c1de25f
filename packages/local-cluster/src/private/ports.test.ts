import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { canBind, findListener } from './ports.js';

const host = '127.0.77.1';
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a port in use cannot be bound, and its holder is named', async () => {
  expect(await canBind(host, port)).toBe(false);
  const holder = await findListener(host, port);
  expect(holder?.pid).toBe(process.pid);
  expect(holder?.command).toContain('node');
});

test('the same port on another loopback address is free', async () => {
  expect(await canBind('127.0.77.2', port)).toBe(true);
  expect(await findListener('127.0.77.2', port)).toBeUndefined();
});

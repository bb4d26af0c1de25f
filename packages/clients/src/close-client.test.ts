import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, expect, test } from 'vitest';
import { closeClient } from './index.js';

// A server that completes PostgreSQL's startup (AuthenticationOk, ReadyForQuery) and then never answers or
// closes again: what a server behind a cut or lossy link looks like to a client that wants to hang up.
const sockets: Socket[] = [];
const server = createServer({ allowHalfOpen: true }, (socket) => {
  sockets.push(socket);
  socket.once('data', () => {
    const auth = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]); // 'R', length 8, AuthenticationOk
    const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
    socket.write(Buffer.concat([auth, ready]));
  });
  socket.on('error', () => {});
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  server.close();
});

test('closeClient hangs up within its grace even when the server never closes the connection', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'd' });
  client.on('error', () => {});
  await client.connect();

  // Plain end() waits for the server's FIN, which never comes.
  const plain = await Promise.race([
    client.end().then(() => 'ended'),
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), 500)),
  ]);
  expect(plain).toBe('still waiting');

  const started = Date.now();
  await closeClient(client, 200);
  expect(Date.now() - started).toBeLessThan(1500);
  expect(client.connection.stream.destroyed).toBe(true);
});

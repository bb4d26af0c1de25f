import { createServer, type Socket } from 'node:net';

/**
 * A proxy that forwards nothing: Terraform and its provider get `HTTPS_PROXY`/`HTTP_PROXY` pointing here, so
 * a request to any address but loopback (Go never proxies 127.0.0.0/8) lands here instead of leaving the
 * machine. Each attempt is recorded (its first line: `CONNECT host:443 HTTP/1.1`) and the connection closed,
 * so a provider endpoint left pointing at AWS fails fast and is named, rather than reaching AWS.
 */
export interface EgressGuard {
  readonly url: string;
  /** The first line of every request that reached the guard. */
  readonly attempts: readonly string[];
  close(): Promise<void>;
}

export function startEgressGuard(): Promise<EgressGuard> {
  const attempts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let head = '';
    socket.on('data', (chunk: string) => {
      head += chunk;
      if (head.includes('\n') || head.length > 1024) {
        attempts.push(head.split(/\r?\n/)[0]?.slice(0, 200) ?? '');
        socket.destroy();
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        attempts,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { diagnose, LOG_LINES } from './diagnose.js';

/** A port on 127.0.0.1 that refuses connections: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('diagnose', () => {
  test('names every member and etcd endpoint that did not answer, and carries the log tails the target gives', async () => {
    const port = await closedPort();
    const asked: string[] = [];
    const lines = await diagnose({
      target: {
        logTail: async (member, n) => {
          asked.push(`${member}:${n}`);
          return member === 'etcd-1' ? undefined : `${member} line a\n${member} line b\n`;
        },
      },
      manifest: { etcd: { endpoints: [`https://127.0.0.1:${port}`], names: ['etcd-1'] } } as never,
      members: [{ name: 'pg-1', host: '127.0.0.1', rest: `https://127.0.0.1:${port}` }],
      restTls: { ca: '' },
      etcdTls: { ca: '' },
    });
    expect(lines[0]).toMatch(/^at \d{4}-\d\d-\d\dT/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^pg-1 \\(127\\.0\\.0\\.1\\): REST API https://127\\.0\\.0\\.1:${port} did not answer: `),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^etcd https://127\\.0\\.0\\.1:${port}: did not answer: `)),
    );
    // pg-1's tail, indented under its heading; etcd-1 has no log, so no heading.
    expect(lines.slice(-3)).toEqual([`pg-1 log, last ${LOG_LINES} lines:`, '  pg-1 line a', '  pg-1 line b']);
    expect(asked).toEqual([`pg-1:${LOG_LINES}`, `etcd-1:${LOG_LINES}`]);
  });

  test('a target without logs gives the states alone', async () => {
    const port = await closedPort();
    const lines = await diagnose({
      target: {},
      manifest: { etcd: { endpoints: [] } } as never,
      members: [{ name: 'pg-2', host: '127.0.0.1', rest: `https://127.0.0.1:${port}` }],
      restTls: { ca: '' },
      etcdTls: { ca: '' },
    });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('pg-2 (127.0.0.1): REST API');
  });
});

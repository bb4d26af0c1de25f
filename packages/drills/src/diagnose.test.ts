import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { diagnose, LOG_LINES, STALE_DCS_SECONDS } from './diagnose.js';

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

  test('asks for the thread stacks of the members that have not seen etcd lately or did not answer, and of no other', async () => {
    const now = Math.round(Date.now() / 1000);
    // Plain HTTP stand-ins for two Patroni REST APIs: pg-1 saw etcd just now, pg-2 long ago.
    const server = createHttpServer((req, res) => {
      const stale = req.headers.host?.startsWith('pg-2') === true || req.url === '/stale/patroni';
      res.end(
        JSON.stringify({
          role: 'primary',
          state: 'running',
          dcs_last_seen: stale ? now - STALE_DCS_SECONDS - 60 : now,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const refused = await closedPort();
    const dumped: string[] = [];
    try {
      const lines = await diagnose({
        target: {
          threadDump: async (member) => {
            dumped.push(member);
            return member === 'pg-3'
              ? undefined
              : `Thread 0x00007f01 (most recent call first):\n  File "/usr/lib/python3/dist-packages/patroni/ha.py", line 1230 in check_failsafe_topology\n`;
          },
        },
        manifest: { etcd: { endpoints: [] } } as never,
        members: [
          { name: 'pg-1', host: '127.0.0.1', rest: `http://127.0.0.1:${port}` },
          { name: 'pg-2', host: '127.0.0.1', rest: `http://127.0.0.1:${port}/stale` },
          { name: 'pg-3', host: '127.0.0.1', rest: `http://127.0.0.1:${refused}` },
        ],
        restTls: { ca: '' },
        etcdTls: { ca: '' },
      });
      expect(dumped.sort()).toEqual(['pg-2', 'pg-3']);
      expect(lines).toContainEqual(
        expect.stringMatching(/^pg-2 \(127\.0\.0\.1\): HTTP 200 role primary .* last saw etcd 9\d s ago$/),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(/^pg-1 \(127\.0\.0\.1\): HTTP 200 .* last saw etcd [0-2] s ago$/),
      );
      // pg-2's stacks under a heading; pg-3 had none to give, so no heading.
      expect(lines.slice(-3)).toEqual([
        expect.stringMatching(/^pg-2: Patroni's threads \(last saw etcd 9\d s ago\):$/),
        '  Thread 0x00007f01 (most recent call first):',
        '    File "/usr/lib/python3/dist-packages/patroni/ha.py", line 1230 in check_failsafe_topology',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

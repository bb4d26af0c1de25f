import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tempDir } from '../test/tools.js';
import { renderPatroniPythonShim } from './patroni-python-shim.js';

// Debian's python3, the one /usr/bin/patroni runs with.
const PYTHON = '/usr/bin/python3';
const STRACE = '/usr/bin/strace';

/** Binds an HTTPServer (what Patroni's REST API is) on `address` and prints the server_name it worked out. */
const BIND = (address: string) =>
  `import http.server; s = http.server.HTTPServer((${JSON.stringify(address)}, 0), http.server.BaseHTTPRequestHandler); print(s.server_name); s.server_close()`;

function shimDir(): string {
  const dir = tempDir('shim');
  writeFileSync(join(dir, 'sitecustomize.py'), renderPatroniPythonShim(), { mode: 0o644 });
  return dir;
}

describe('renderPatroniPythonShim', () => {
  test('HTTPServer on a loopback address gets the address as its name; other names still resolve', () => {
    const dir = shimDir();
    const env = { PATH: '/usr/bin:/bin', PYTHONPATH: dir };
    const bound = run(PYTHON, ['-c', BIND('127.0.79.1')], { env });
    expect(bound.stderr).toBe('');
    expect(bound.stdout.trim()).toBe('127.0.79.1');
    // Anything else goes to the real getfqdn (replaced here by a stand-in, so nothing is looked up).
    const other = run(
      PYTHON,
      [
        '-c',
        'import sitecustomize, socket; sitecustomize._getfqdn = lambda n="": "real:" + n; print(socket.getfqdn("10.1.2.3"), socket.getfqdn(""))',
      ],
      { env },
    );
    expect(other.stdout.trim()).toBe('real:10.1.2.3 real:');
  });

  // strace shows every connect the process makes: with the shim, none to port 53 (a DNS query). Without it,
  // the bind would send a PTR query off this machine, so that is not run; the control instead proves the
  // filter sees a port-53 connect, made to a loopback address.
  test.skipIf(!existsSync(STRACE) && process.env.CI === undefined)(
    'with the shim, binding the REST API server sends no DNS query (strace)',
    () => {
      const dir = shimDir();
      const dnsConnects = (code: string) => {
        const env = { PATH: '/usr/bin:/bin', PYTHONPATH: dir };
        const r = run(STRACE, ['-f', '-e', 'trace=connect', PYTHON, '-c', code], { env });
        expect(r.status).toBe(0);
        return r.stderr.split('\n').filter((line) => line.includes('htons(53)'));
      };
      expect(dnsConnects(BIND('127.0.79.2'))).toEqual([]);
      const control = dnsConnects(
        'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("127.0.79.3", 53)); s.close()',
      );
      expect(control).toHaveLength(1);
      expect(control[0]).toContain('127.0.79.3');
    },
  );

  test('SIGUSR2 prints the stack of every thread to stderr, and the process goes on', async () => {
    const dir = shimDir();
    // A thread parked in a function of its own, as Patroni's HA loop would be if it hung; the main thread waits.
    const code = [
      'import sys, threading, time',
      'def parked_in_here():',
      '    threading.Event().wait()',
      'threading.Thread(target=parked_in_here, daemon=True).start()',
      'print("ready", flush=True)',
      'time.sleep(30)',
    ].join('\n');
    const child = spawn(PYTHON, ['-c', code], { env: { PATH: '/usr/bin:/bin', PYTHONPATH: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (c, s) => resolve(c ?? (s ? -1 : null))),
    );
    try {
      await waitFor(() => stdout.includes('ready'));
      child.kill('SIGUSR2');
      await waitFor(() => stderr.includes('parked_in_here'));
      expect(stderr).toMatch(/Thread 0x[0-9a-f]+/);
      expect(stderr).toContain('File "<string>", line 3 in parked_in_here');
      // Not ended by the signal: still running a moment later.
      await new Promise((r) => setTimeout(r, 200));
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

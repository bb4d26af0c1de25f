import { copyFileSync, readFileSync, rmSync as removeDir, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  basicPki,
  closedPort,
  type Endpoints,
  PASSWORD,
  silentServer,
  writeCluster,
} from '../test/fixture.js';
import { captureIo } from '../test/io.js';
import type { TestPki } from '../test/pki.js';
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, run } from './cli.js';
import { CHECK_IDS, type VerifyReport } from './report.js';

let pki: TestPki;
let closed: Endpoints;

beforeAll(async () => {
  pki = basicPki();
  const ports = await Promise.all(Array.from({ length: 8 }, closedPort));
  const url = (p: number | undefined) => `https://127.0.0.1:${p}`;
  closed = {
    etcd: [url(ports[0]), url(ports[1]), url(ports[2])],
    rest: [url(ports[3]), url(ports[4]), url(ports[5])],
    primary: { host: '127.0.0.1', port: ports[6] as number },
    replicas: { host: '127.0.0.1', port: ports[7] as number },
  };
});

afterAll(() => {
  if (pki) removeDir(pki.dir, { recursive: true, force: true });
});

const noSecret = (c: ReturnType<typeof captureIo>) => {
  expect(c.stdout()).not.toContain(PASSWORD);
  expect(c.stderr()).not.toContain(PASSWORD);
};

describe('usage', () => {
  test('--help prints usage on stdout, exit 0', async () => {
    const c = captureIo();
    expect(await run(['--help'], c.io)).toBe(EXIT_OK);
    expect(c.stdout()).toMatch(/^Usage: pgha-verify/);
    expect(c.stdout()).toContain('--manifest PATH');
  });

  test('a leading -- (as pnpm passes it on) is ignored', async () => {
    const c = captureIo();
    expect(await run(['--', '--help'], c.io)).toBe(EXIT_OK);
    expect(c.stdout()).toMatch(/^Usage: pgha-verify/);
  });

  test.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--', '--', '--json'], "Unexpected argument '--json'"],
    [['--timeout', 'soon'], '--timeout: "soon" is not a duration'],
    [['--timeout', '0'], 'out of range'],
    [['--check', 'pg.nope'], 'unknown check "pg.nope"'],
    [['--warn-days', '-1'], '--warn-days'],
    [['--manifest', 'a.json', '--cluster', 'x'], 'exclude each other'],
    [['--manifest', 'a.json', '--state-dir', 'd'], 'exclude each other'],
    [['extra'], 'extra'],
  ])('%j is a usage error: one line and a hint, exit 2', async (argv, text) => {
    const c = captureIo();
    expect(await run(argv, c.io)).toBe(EXIT_USAGE);
    expect(c.stdout()).toBe('');
    const lines = c.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(text);
    expect(lines[1]).toBe("Try 'pgha-verify --help'.");
  });
});

describe('manifest errors exit 2 and say what to do', () => {
  test('no deployment in the state dir', async () => {
    const c = captureIo({ cwd: pki.dir, env: { PGHA_STATE_DIR: 'nowhere' } });
    expect(await run([], c.io)).toBe(EXIT_USAGE);
    expect(c.stderr()).toContain(`no deployment under ${join(pki.dir, 'nowhere')}`);
    expect(c.stderr()).not.toMatch(/\n\s+at /); // no stack for an expected failure
  });

  test('--state-dir names the state dir as deploy does, over $PGHA_STATE_DIR', async () => {
    const c = captureIo({ cwd: pki.dir, env: { PGHA_STATE_DIR: 'nowhere' } });
    expect(await run(['--state-dir', 'elsewhere', '--cluster', 'orders'], c.io)).toBe(EXIT_USAGE);
    expect(c.stderr()).toContain(
      `no manifest for cluster "orders" at ${join(pki.dir, 'elsewhere', 'orders', 'manifest.json')}`,
    );
  });

  test('an invalid manifest with --json: a JSON error document on stdout, the message on stderr', async () => {
    const file = join(pki.dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ version: 1, cluster: 'x', target: 'local' }));
    const c = captureIo({ cwd: pki.dir });
    expect(await run(['--manifest', 'invalid.json', '--json'], c.io)).toBe(EXIT_USAGE);
    const doc = JSON.parse(c.stdout());
    expect(doc).toMatchObject({ version: 1, ok: false, error: { code: 'MANIFEST_INVALID' } });
    expect(doc.error.fields).toEqual(['etcd', 'patroni', 'postgres']);
    expect(c.stderr()).toContain('etcd: missing must be an object');
  });

  test('no manifest with --json: the JSON error document carries the report version too', async () => {
    const c = captureIo({ cwd: pki.dir });
    expect(await run(['--state-dir', 'elsewhere', '--cluster', 'orders', '--json'], c.io)).toBe(EXIT_USAGE);
    const doc = JSON.parse(c.stdout());
    expect(doc).toEqual({
      version: 1,
      ok: false,
      error: expect.objectContaining({ code: expect.any(String) }),
    });
    expect(doc.error.message).toContain('no manifest for cluster "orders"');
  });

  test('an unreadable certificate and a mismatched key are named with their fields', async () => {
    const other = pki.cert('other-client', { eku: 'clientAuth' });
    const { file } = writeCluster(pki, 'badfiles', closed, {});
    const m = JSON.parse(readFileSync(file, 'utf8'));
    m.etcd.tls.ca = join(pki.dir, 'missing-ca.crt');
    m.etcd.tls.key = other.key;
    writeFileSync(file, JSON.stringify(m));
    const c = captureIo({ cwd: pki.dir });
    expect(await run(['--manifest', file], c.io)).toBe(EXIT_USAGE);
    expect(c.stderr()).toContain(`etcd.tls.ca: cannot read ${join(pki.dir, 'missing-ca.crt')}: no such file`);
    expect(c.stderr()).toContain('etcd.tls.key: is not the private key of etcd.tls.cert');
    noSecret(c);
  });

  test('a certificate file that is not PEM', async () => {
    const { file, manifest } = writeCluster(pki, 'notpem', closed);
    const bogus = join(pki.dir, 'bogus.crt');
    writeFileSync(bogus, 'hello');
    writeFileSync(
      file,
      JSON.stringify({ ...manifest, etcd: { ...manifest.etcd, tls: { ...manifest.etcd.tls, cert: bogus } } }),
    );
    const c = captureIo();
    expect(await run(['--manifest', file], c.io)).toBe(EXIT_USAGE);
    expect(c.stderr()).toContain(`etcd.tls.cert: ${bogus} is not a PEM certificate`);
  });
});

describe('against closed ports', () => {
  test('--json: exactly one JSON report on stdout, every network check failed and named, exit 1', async () => {
    const { stateDir } = writeCluster(pki, 'closed', closed);
    const c = captureIo({ cwd: '/', env: { PGHA_STATE_DIR: stateDir } });
    const t0 = performance.now();
    expect(await run(['--json', '--timeout', '3s', '--cluster', 'closed'], c.io)).toBe(EXIT_CHECK_FAILED);
    expect(performance.now() - t0).toBeLessThan(3000); // refused is immediate: no timeout is spent
    const lines = c.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as VerifyReport;
    expect(report).toMatchObject({ version: 1, ok: false, cluster: 'closed', target: 'local' });
    expect(report.checks.map((x) => x.id)).toEqual([...CHECK_IDS]);
    for (const check of report.checks) {
      expect(Object.keys(check).sort()).toEqual(['detail', 'id', 'ms', 'ok', 'status']);
      expect(typeof check.ms).toBe('number');
    }
    const byId = Object.fromEntries(report.checks.map((x) => [x.id, x]));
    expect(byId['tls.expiry']).toMatchObject({ ok: true, status: 'pass' });
    for (const id of CHECK_IDS.filter((x) => x !== 'tls.expiry')) {
      expect(byId[id]).toMatchObject({ ok: false, status: 'fail' });
      expect(byId[id]?.detail).toContain('connection refused');
    }
    expect(byId['etcd.health']?.detail).toContain(
      `${closed.etcd.join(', ')} do not answer: connection refused`,
    );
    expect(byId['patroni.replicas']?.detail).toContain(closed.rest[2]);
    expect(byId['pg.primary']?.detail).toContain(`primary port 127.0.0.1:${closed.primary.port}`);
    expect(byId['pg.replica']?.detail).toContain(`replica port 127.0.0.1:${closed.replicas.port}`);
    expect(c.stderr()).toBe('');
    noSecret(c);
  });

  test('human output: tables, one line per check, a summary; colour only on a TTY without NO_COLOR', async () => {
    const { file } = writeCluster(pki, 'human', closed);
    const plain = captureIo({ tty: false });
    expect(await run(['--manifest', file], plain.io)).toBe(EXIT_CHECK_FAILED);
    const text = plain.stdout();
    expect(text).not.toContain('\x1b[');
    for (const id of CHECK_IDS)
      expect(text).toMatch(new RegExp(`^(PASS|FAIL|WARN)  ${id.replace('.', '\\.')} +\\S.* \\d+ ms$`, 'm'));
    expect(text).toMatch(/^1 passed, 7 failed in \d+ ms: cluster human is NOT healthy: etcd\.members, /m);
    expect(text).toContain('| Member');

    const tty = captureIo({ tty: true });
    await run(['--manifest', file, '--check', 'tls.expiry'], tty.io);
    expect(tty.stdout()).toContain('\x1b[32mPASS\x1b[0m');

    const noColor = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await run(['--manifest', file, '--check', 'tls.expiry'], noColor.io);
    expect(noColor.stdout()).not.toContain('\x1b[');

    // no-color.org: set AND non-empty; an empty NO_COLOR leaves colour on.
    const emptyNoColor = captureIo({ tty: true, env: { NO_COLOR: '' } });
    await run(['--manifest', file, '--check', 'tls.expiry'], emptyNoColor.io);
    expect(emptyNoColor.stdout()).toContain('\x1b[32mPASS\x1b[0m');
  });

  test('--check runs only the checks named; exit 0 when they pass', async () => {
    const { file } = writeCluster(pki, 'only', closed);
    const c = captureIo();
    expect(await run(['--manifest', file, '--check', 'tls.expiry', '--json'], c.io)).toBe(EXIT_OK);
    const report = JSON.parse(c.stdout()) as VerifyReport;
    expect(report.checks.map((x) => x.id)).toEqual(['tls.expiry']);
    expect(report.ok).toBe(true);
  });

  test('--watch reports again every second until its signal aborts', async () => {
    const { file } = writeCluster(pki, 'watch', closed);
    const ac = new AbortController();
    const c = captureIo({ signal: ac.signal });
    setTimeout(() => ac.abort(), 1600);
    expect(await run(['--manifest', file, '--check', 'tls.expiry', '--watch', '--json'], c.io)).toBe(EXIT_OK);
    const docs = c
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as VerifyReport);
    expect(docs.length).toBeGreaterThanOrEqual(2);
    expect(docs.every((d) => d.ok && d.checks[0]?.id === 'tls.expiry')).toBe(true);
  });
});

describe('against a server that accepts and never answers', () => {
  test('every network check fails at its timeout, says where it stalled, and the run does not hang', async () => {
    const silent = await silentServer();
    try {
      const url = `https://127.0.0.1:${silent.port}`;
      const { file } = writeCluster(pki, 'silent', {
        etcd: [url],
        rest: [url, url],
        primary: { host: '127.0.0.1', port: silent.port },
        replicas: { host: '127.0.0.1', port: silent.port },
      });
      const c = captureIo();
      const t0 = performance.now();
      expect(await run(['--manifest', file, '--json', '--timeout', '400ms'], c.io)).toBe(EXIT_CHECK_FAILED);
      const elapsed = performance.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(355); // the shared probes give up at 360 ms, just before the checks
      expect(elapsed).toBeLessThan(400 + 2500); // generous: the machine is shared
      const report = JSON.parse(c.stdout()) as VerifyReport;
      for (const check of report.checks.filter((x) => x.id !== 'tls.expiry')) {
        expect(check.ok).toBe(false);
        // Shared probes stop a little before the check's deadline so the check can say what it saw.
        expect(check.detail).toMatch(/no answer within 3\d\d ms/);
        expect(check.ms).toBeLessThan(400 + 1000);
      }
      const etcd = report.checks.find((x) => x.id === 'etcd.health');
      expect(etcd?.detail).toContain('TCP connected but the TLS handshake did not finish');
      const pg = report.checks.find((x) => x.id === 'pg.primary');
      expect(c.stderr()).toBe(''); // --json: no progress
      expect(pg?.detail).toMatch(
        new RegExp(`primary port 127\\.0\\.0\\.1:${silent.port}: no answer within 3\\d\\d ms`),
      );
    } finally {
      await silent.close();
    }
  });
});

test('on a TTY, stderr shows which checks are still running, then clears the line', async () => {
  const silent = await silentServer();
  try {
    const url = `https://127.0.0.1:${silent.port}`;
    const { file } = writeCluster(pki, 'progress', {
      etcd: [url],
      rest: [url],
      primary: { host: '127.0.0.1', port: silent.port },
      replicas: { host: '127.0.0.1', port: silent.port },
    });
    const c = captureIo({ stderrTty: true });
    expect(await run(['--manifest', file, '--timeout', '800ms'], c.io)).toBe(EXIT_CHECK_FAILED);
    expect(c.stderr()).toMatch(
      /verifying progress: [01]\/8 done, waiting for etcd\.members, etcd\.health, .* \(0\.\d s\)/,
    );
    expect(c.stderr().endsWith('\x1b[2K\r')).toBe(true);
    expect(c.stdout()).not.toContain('waiting for');
  } finally {
    await silent.close();
  }
});

test('a manifest path relative to cwd and a cert copied next to it', async () => {
  const { dir, manifest } = writeCluster(pki, 'relative', closed);
  copyFileSync(join(pki.dir, 'ca.crt'), join(dir, 'ca.crt'));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ ...manifest, etcd: { ...manifest.etcd, tls: { ...manifest.etcd.tls, ca: 'ca.crt' } } }),
  );
  const c = captureIo({ cwd: dir });
  expect(await run(['--manifest', 'manifest.json', '--check', 'tls.expiry', '--json'], c.io)).toBe(EXIT_OK);
});

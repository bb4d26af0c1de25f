import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isNetlabError } from './errors.js';
import { createNetwork, type Network, openNetwork, teardownRecorded } from './network.js';
import { run } from './private/run.js';

// Real namespaces, links and nftables rules: root only (CI runs as root).
const asRoot = process.getuid?.() === 0;
const PREFIX = `pgha-p-t${process.pid % 10000}-`;
const NODE = process.execPath;

/** A TCP echo listener on 0.0.0.0:port inside a host, and UDP on the same port; resolves once listening. */
const LISTENER = `
const net = require('node:net'), dgram = require('node:dgram');
const port = Number(process.argv[1]);
net.createServer((s) => s.end('hi')).listen(port, '0.0.0.0', () => {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => console.log('udp from ' + r.address + ': ' + m));
  u.bind(port, '0.0.0.0', () => console.log('listening'));
});`;
const CONNECT = `
const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 600 });
s.on('data', () => { console.log('ok'); process.exit(0); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(1); });
s.on('timeout', () => { console.log('timeout'); process.exit(1); });`;
const SEND_UDP = `
const u = require('node:dgram').createSocket('udp4');
u.send('ping', Number(process.argv[2]), process.argv[1], () => u.close());`;

const PORT = 7070;
let dir: string;
let network: Network;
const listeners: { pid: number; output: string[] }[] = [];

/** The links in the switch namespace, by name. */
async function switchLinks(): Promise<string[]> {
  const r = await run('/usr/sbin/ip', ['-n', network.record.switchNamespace, '-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

async function reach(from: string, to: string): Promise<boolean> {
  const result = await network.exec(from, NODE, ['-e', CONNECT, network.addressOf(to), String(PORT)]);
  return result.code === 0 && result.stdout.trim() === 'ok';
}

describe.skipIf(!asRoot)('a network of namespaces (real ip, nft, nsenter)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netlab-'));
    network = await createNetwork({
      prefix: PREFIX,
      cidr: '10.213.250.0/24',
      hosts: [
        { name: 'a', address: '10.213.250.1' },
        { name: 'b', address: '10.213.250.2' },
        { name: 'c', address: '10.213.250.3' },
      ],
      recordFile: join(dir, 'network.json'),
    });
    for (const host of ['a', 'b', 'c']) {
      const entered = network.enter(host, NODE, ['-e', LISTENER, String(PORT)]);
      const child = spawn(entered.command, [...entered.args], { stdio: ['ignore', 'pipe', 'inherit'] });
      const output: string[] = [];
      child.stdout.on('data', (d: Buffer) => output.push(...d.toString().trim().split('\n')));
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      listeners.push({ pid: child.pid as number, output });
    }
  }, 60_000);

  afterAll(async () => {
    for (const l of listeners) process.kill(l.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    if (network) await teardownRecorded(network.recordFile);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('hosts reach each other on the switch and nothing else: no route off it, nothing in the machine namespace', async () => {
    expect(await reach('a', 'b')).toBe(true);
    expect(await reach('c', 'a')).toBe(true);
    // Each host: its one address, only the connected /24 route, no default route.
    const routes = await network.exec('a', '/usr/sbin/ip', ['-4', 'route', 'show']);
    expect(routes.stdout.trim()).toBe('10.213.250.0/24 dev eth0 proto kernel scope link src 10.213.250.1');
    // The switch: a bridge, no address, no route at all.
    const sw = network.record.switchNamespace;
    expect((await run('/usr/sbin/ip', ['-n', sw, '-4', 'addr', 'show'])).stdout.trim()).toBe('');
    expect((await run('/usr/sbin/ip', ['-n', sw, '-4', 'route', 'show'])).stdout.trim()).toBe('');
    // The machine's own namespace has no interface of this network and no route to its subnet.
    const links = (await run('/usr/sbin/ip', ['-o', 'link', 'show'])).stdout;
    expect(links).not.toMatch(/\bv-[abc]\b/);
    expect((await run('/usr/sbin/ip', ['-4', 'route', 'show', '10.213.250.0/24'])).stdout.trim()).toBe('');
  });

  test('a process entered into a host keeps its own PID, in that host namespace', async () => {
    const l = listeners[0] as { pid: number };
    expect(await readFile(`/proc/${l.pid}/comm`, 'utf8')).toBe('node\n');
    expect(await network.pidsIn('a')).toEqual([l.pid]);
    const ns = await stat(`/run/netns/${network.namespaceOf('a')}`);
    expect(await import('node:fs/promises').then((fs) => fs.readlink(`/proc/${l.pid}/ns/net`))).toBe(
      `net:[${ns.ino}]`,
    );
  });

  test('cut to one peer, both ways: only that pair is cut; the heal restores it', async () => {
    const heal = await network.cut('a', { peers: ['b'] });
    expect(await reach('b', 'a')).toBe(false);
    expect(await reach('a', 'b')).toBe(false);
    expect(await reach('c', 'a')).toBe(true);
    await heal();
    await heal(); // a second heal does nothing
    expect(await reach('b', 'a')).toBe(true);
  });

  test('cut to all: the host reaches no one, its loopback still works', async () => {
    const heal = await network.cut('a');
    expect(await reach('b', 'a')).toBe(false);
    expect(await reach('a', 'c')).toBe(false);
    const lo = await network.exec('a', NODE, ['-e', CONNECT, '127.0.0.1', String(PORT)]);
    expect(lo.stdout.trim()).toBe('ok');
    await heal();
    expect(await reach('a', 'c')).toBe(true);
  });

  test('one direction: "out" drops what a sends to b, b still sends to a', async () => {
    const heal = await network.cut('a', { peers: ['b'], direction: 'out' });
    const [la, lb] = listeners as unknown as [{ output: string[] }, { output: string[] }];
    await network.exec('a', NODE, ['-e', SEND_UDP, network.addressOf('b'), String(PORT)]);
    await network.exec('b', NODE, ['-e', SEND_UDP, network.addressOf('a'), String(PORT)]);
    await new Promise((r) => setTimeout(r, 300));
    expect(lb.output.filter((l) => l.startsWith('udp from 10.213.250.1'))).toEqual([]);
    expect(la.output.filter((l) => l.startsWith('udp from 10.213.250.2'))).toEqual([
      'udp from 10.213.250.2: ping',
    ]);
    await heal();
    await network.exec('a', NODE, ['-e', SEND_UDP, network.addressOf('b'), String(PORT)]);
    await new Promise((r) => setTimeout(r, 300));
    expect(lb.output.filter((l) => l.startsWith('udp from 10.213.250.1'))).toEqual([
      'udp from 10.213.250.1: ping',
    ]);
  });

  test('degrade: 100% loss cuts, the heal restores', async () => {
    const heal = await network.degrade('a', { lossPercent: 100 });
    expect(await reach('b', 'a')).toBe(false);
    await heal();
    expect(await reach('b', 'a')).toBe(true);
  });

  test('degrade: a 200 ms delay on what a sends (netem, or the delay line on a kernel without it); the heal restores', async () => {
    const timed = async (from: string, to: string) => {
      const started = Date.now();
      expect(await reach(from, to), `${from} -> ${to}`).toBe(true);
      return Date.now() - started;
    };
    const fast = await timed('b', 'a');
    const heal = await network.degrade('a', { delayMs: 200 });
    // a's SYN-ACK (b -> a) and a's SYN (a -> c) wait 200 ms; b and c between them do not.
    expect(await timed('b', 'a')).toBeGreaterThanOrEqual(200);
    expect(await timed('a', 'c')).toBeGreaterThanOrEqual(200);
    expect(await timed('c', 'b')).toBeLessThan(fast + 150);
    await heal();
    await heal(); // a second heal does nothing
    expect(await timed('b', 'a')).toBeLessThan(fast + 150);
    expect(await switchLinks()).not.toContainEqual(expect.stringMatching(/^[de]-a$/));
  });

  test('healAll removes faults another process left (it finds them in the namespaces, by name)', async () => {
    await network.cut('a', { peers: ['c'] });
    await network.degrade('b', { lossPercent: 100 });
    const reopened = await openNetwork(network.recordFile);
    expect(await reopened?.healAll()).toBe(2);
    expect(await reach('c', 'a')).toBe(true);
    expect(await reach('a', 'b')).toBe(true);
  });

  test('healAll also stops a delay line another process left, and puts the port back on the bridge', async () => {
    await network.degrade('c', { delayMs: 300 });
    const line = (await switchLinks()).includes('d-c');
    const reopened = await openNetwork(network.recordFile);
    // netem is one qdisc on the host's link (not counted, as before); a delay line is one fault.
    expect(await reopened?.healAll()).toBe(line ? 1 : 0);
    const started = Date.now();
    expect(await reach('c', 'a')).toBe(true);
    expect(Date.now() - started).toBeLessThan(300);
    expect(await switchLinks()).not.toContain('d-c');
  });

  test('bad fault arguments name the value and the fix', async () => {
    await expect(network.cut('a', { peers: ['zz'] })).rejects.toThrow(
      /peers: \["zz"\]: name one or more other hosts/,
    );
    await expect(network.degrade('a', { lossPercent: 130 })).rejects.toThrow(
      /lossPercent: 130: use a whole percent/,
    );
    await expect(network.cut('nope')).rejects.toThrow(/no host "nope"/);
  });

  test('teardown refuses while processes run inside, then removes everything, idempotently', async () => {
    const other = await createNetwork({
      prefix: `${PREFIX}x-`,
      cidr: '10.213.251.0/24',
      hosts: [{ name: 'a', address: '10.213.251.1' }],
      recordFile: join(dir, 'other.json'),
    });
    const entered = other.enter('a', '/usr/bin/sleep', ['30']);
    const child = spawn(entered.command, [...entered.args], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    // "spawn" comes before nsenter has entered the namespace: wait until the process is seen inside.
    for (let i = 0; i < 50 && !(await other.pidsIn('a')).includes(child.pid as number); i++)
      await new Promise((r) => setTimeout(r, 20));
    let error: unknown;
    await other.teardown().catch((e: unknown) => {
      error = e;
    });
    expect(isNetlabError(error) && error.code).toBe('BUSY');
    expect((error as Error).message).toContain(`PID ${child.pid}`);
    process.kill(child.pid as number, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Torn down from the record alone, as an interrupted run's cleanup would.
    const result = await teardownRecorded(join(dir, 'other.json'));
    expect(result.removed).toEqual([`${PREFIX}x-a`, `${PREFIX}x-switch`]);
    expect((await run('/usr/sbin/ip', ['netns', 'list'])).stdout).not.toContain(`${PREFIX}x-`);
    expect(await teardownRecorded(join(dir, 'other.json'))).toEqual({ removed: [] });
  });
});

// The shape the AWS rehearsal's VPC takes: a /16, a router host holding the gateway and a link-local service
// address beside its own, every other host routing off-subnet traffic through it.
describe.skipIf(!asRoot)('a /16 with a router host (extra addresses, gateway)', () => {
  let routed: Network;
  let routedDir: string;
  let listener: number | undefined;

  beforeAll(async () => {
    routedDir = await mkdtemp(join(tmpdir(), 'netlab-'));
    routed = await createNetwork({
      prefix: `pgha-p-r${process.pid % 10000}-`,
      cidr: '10.214.0.0/16',
      hosts: [
        { name: 'router', address: '10.214.0.10', extraAddresses: ['10.214.0.1', '169.254.169.254'] },
        { name: 'x', address: '10.214.3.4' },
      ],
      gateway: '10.214.0.1',
      recordFile: join(routedDir, 'network.json'),
    });
    const entered = routed.enter('router', NODE, ['-e', LISTENER, String(PORT)]);
    const child = spawn(entered.command, [...entered.args], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    listener = child.pid;
  }, 60_000);

  afterAll(async () => {
    if (listener !== undefined) process.kill(listener, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    if (routed) await teardownRecorded(routed.recordFile);
    if (routedDir) await rm(routedDir, { recursive: true, force: true });
  });

  const connect = async (to: string) =>
    (await routed.exec('x', NODE, ['-e', CONNECT, to, String(PORT)])).stdout.trim();

  test('a host in another /24 of the /16 is on-link; the link-local address is reached through the gateway', async () => {
    expect(await connect('10.214.0.10')).toBe('ok');
    expect(await connect('10.214.0.1')).toBe('ok');
    expect(await connect('169.254.169.254')).toBe('ok');
    const routes = async (host: string) =>
      (await routed.exec(host, '/usr/sbin/ip', ['-4', 'route', 'show'])).stdout
        .trim()
        .split('\n')
        .map((l) => l.trim());
    expect(await routes('x')).toEqual([
      'default via 10.214.0.1 dev eth0',
      '10.214.0.0/16 dev eth0 proto kernel scope link src 10.214.3.4',
    ]);
    // The router holds the gateway: no default route of its own, so nothing leaves the subnet from it.
    expect((await routes('router')).filter((r) => r.startsWith('default'))).toEqual([]);
    expect(routed.hostOf('169.254.169.254')).toBe('router');
  });

  test('a cut to the router host also cuts the addresses it answers for; the heal restores them', async () => {
    const heal = await routed.cut('x', { peers: ['router'] });
    expect(await connect('169.254.169.254')).toBe('timeout');
    expect(await connect('10.214.0.10')).toBe('timeout');
    await heal();
    expect(await connect('169.254.169.254')).toBe('ok');
  });

  test('creating it again with one more host adds that host and leaves the running ones alone', async () => {
    await createNetwork({
      prefix: routed.record.prefix,
      cidr: '10.214.0.0/16',
      hosts: [
        { name: 'router', address: '10.214.0.10', extraAddresses: ['10.214.0.1', '169.254.169.254'] },
        { name: 'y', address: '10.214.7.7' },
      ],
      gateway: '10.214.0.1',
      recordFile: routed.recordFile,
    });
    const again = await openNetwork(routed.recordFile);
    expect(again?.record.hosts.map((h) => h.name).sort()).toEqual(['router', 'x', 'y']);
    const fromY = await again?.exec('y', NODE, ['-e', CONNECT, '169.254.169.254', String(PORT)]);
    expect(fromY?.stdout.trim()).toBe('ok');
    expect(await connect('169.254.169.254')).toBe('ok');
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NetlabError } from './errors.js';
import { run, runOk } from './private/run.js';
import {
  assertNetworkSpec,
  type HostSpec,
  hostAddresses,
  hostNamespace,
  type NetworkSpec,
  prefixLength,
  switchNamespace,
} from './spec.js';

/** Where the system tools are; the defaults are Debian's. */
export interface Tools {
  readonly ip: string;
  readonly nft: string;
  readonly nsenter: string;
  readonly tc: string;
  /** Runs the delay line (delay-line.py) on a kernel without netem. */
  readonly python3: string;
}

export const DEFAULT_TOOLS: Tools = Object.freeze({
  ip: '/usr/sbin/ip',
  nft: '/usr/sbin/nft',
  nsenter: '/usr/bin/nsenter',
  tc: '/usr/sbin/tc',
  python3: '/usr/bin/python3',
});

/** The delay line: src/delay-line.py, found from src/ (tests) and dist/ (the package) alike. */
const DELAY_LINE = fileURLToPath(new URL('../src/delay-line.py', import.meta.url));
/** PIDs of the processes whose network namespace is the named one (none when it does not exist). */
async function pidsInNamespace(namespace: string): Promise<number[]> {
  const target = await stat(nsPath(namespace)).catch(() => undefined);
  if (!target) return [];
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const link = await readlink(`/proc/${entry}/ns/net`).catch(() => undefined);
    // "net:[<inode>]": the namespace file under /run/netns is a bind mount of the same inode.
    if (link === `net:[${target.ino}]`) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILL a process that may be gone already. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** A delay line's ends in the switch namespace: `d-<host>` (the line's) and its peer `e-<host>` on the bridge. */
const DELAY_LINK = /^d-[a-z][a-z0-9-]{0,12}$/;

/** The bridge in the switch namespace, and each host's end of its link. */
const BRIDGE = 'br0';
const HOST_LINK = 'eth0';
/** nftables tables this package makes are named `netlab_<id>`; teardown and healAll find them by it. */
const FAULT_TABLE = /^netlab_[a-z0-9]+$/;

/** What the record file holds: everything made, so that another process can tear it down. */
export interface NetworkRecord {
  readonly version: 1;
  readonly prefix: string;
  readonly cidr: string;
  readonly switchNamespace: string;
  readonly hosts: readonly (HostSpec & { readonly namespace: string })[];
}

/** Undo one fault. Calling it again does nothing. */
export type Heal = () => Promise<void>;

export type Direction = 'both' | 'in' | 'out';

export interface CutOptions {
  /**
   * The hosts the link is cut to; `'all'` cuts every link but the host's own loopback.
   * @default 'all'
   */
  readonly peers?: readonly string[] | 'all';
  /**
   * `'in'`: packets arriving from the peers are dropped; `'out'`: packets sent to them; `'both'`: both.
   * @default 'both'
   */
  readonly direction?: Direction;
}

export interface DegradeOptions {
  /** Percent of packets dropped at random (nftables `numgen random`), 0..100. @default 0 */
  readonly lossPercent?: number;
  /**
   * Added delay in ms on what the host sends: tc netem on the host's link, or, on a kernel without netem
   * (sch_netem), a delay line in the switch namespace (delay-line.py: the host's switch port is taken off the
   * bridge and its frames are held for `delayMs` before they go on). @default 0
   */
  readonly delayMs?: number;
  /** Which packets lose: `'out'` is what netem on the host's link does. @default 'out' */
  readonly direction?: Direction;
}

export interface EnterOptions {
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

/** A command line that runs inside a host's namespace and keeps its PID through exec (nsenter forks nothing). */
export interface Entered {
  readonly command: string;
  readonly args: readonly string[];
}

/** A network made (or opened from its record). */
export interface Network {
  readonly record: NetworkRecord;
  readonly recordFile: string;
  /** The namespace of a host (UNKNOWN_HOST when it has none). */
  namespaceOf(host: string): string;
  addressOf(host: string): string;
  /** The host that has this address (its own or one of its extra addresses), if any. */
  hostOf(address: string): string | undefined;
  /**
   * The command line to spawn for `command args` inside `host`'s namespace as uid/gid: nsenter enters the
   * network namespace, drops to the user (supplementary groups dropped) and execs, so the PID the spawn returns
   * is the command's own PID, in the same PID namespace.
   */
  enter(host: string, command: string, args: readonly string[], options?: EnterOptions): Entered;
  /** Run a command inside a host's namespace to its end. */
  exec(
    host: string,
    command: string,
    args: readonly string[],
    options?: { input?: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Cut `host`'s links (nftables in its namespace); returns the heal. */
  cut(host: string, options?: CutOptions): Promise<Heal>;
  /** Degrade `host`'s link: random loss (nftables) and delay (netem); returns the heal. */
  degrade(host: string, options: DegradeOptions): Promise<Heal>;
  /** Remove every fault this package put into any host of the network; returns how many were removed. */
  healAll(): Promise<number>;
  /** PIDs of the processes that run inside a host's namespace now. */
  pidsIn(host: string): Promise<number[]>;
  /** Remove every namespace (and with them every link, address, rule and qdisc) and the record. */
  teardown(): Promise<TeardownResult>;
}

export interface TeardownResult {
  /** The namespaces removed by this call (already absent ones are not listed). */
  readonly removed: readonly string[];
}

function assertRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new NetlabError(
      'NOT_ROOT',
      `${what} needs root (network namespaces need CAP_SYS_ADMIN); run it as root`,
    );
  }
}

const nsPath = (namespace: string) => `/run/netns/${namespace}`;

async function namespaceExists(namespace: string): Promise<boolean> {
  return stat(nsPath(namespace)).then(
    () => true,
    () => false,
  );
}

async function writeRecordFile(file: string, record: NetworkRecord): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** Read a network's record; undefined when there is no file, RECORD_INVALID when it is not one. */
export async function readNetworkRecord(file: string): Promise<NetworkRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NetlabError(
      'RECORD_INVALID',
      `cannot read the network record ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    const value = JSON.parse(text) as NetworkRecord;
    if (
      value.version !== 1 ||
      typeof value.prefix !== 'string' ||
      typeof value.switchNamespace !== 'string' ||
      !Array.isArray(value.hosts) ||
      !value.hosts.every(
        (h) => typeof h.namespace === 'string' && typeof h.name === 'string' && typeof h.address === 'string',
      )
    )
      throw new Error('not a version 1 network record');
    return value;
  } catch (error) {
    throw new NetlabError(
      'RECORD_INVALID',
      `${file} is not a network record (${(error as Error).message}); the namespaces it named start with the network's prefix: list them with "ip netns list" and remove them with "ip netns del NAME"`,
      { cause: error },
    );
  }
}

/**
 * Make the network, or finish making it: the switch namespace with a bridge and no uplink, one namespace per
 * host with a link into the bridge, its address (and extra ones), loopback up, IPv6 off (nothing but the
 * hosts' own IPv4 traffic on the switch), the default route via the gateway when there is one. What exists
 * already is kept; the record is written before anything is made.
 */
export async function createNetwork(spec: NetworkSpec, tools: Tools = DEFAULT_TOOLS): Promise<Network> {
  assertNetworkSpec(spec);
  assertRoot('creating a network');
  const previous = await readNetworkRecord(spec.recordFile);
  if (previous && previous.prefix !== spec.prefix) {
    throw new NetlabError(
      'RECORD_INVALID',
      `${spec.recordFile} records the network "${previous.prefix}", not "${spec.prefix}"; tear that one down first (teardownRecorded) or use another record file`,
    );
  }
  const hosts = spec.hosts.map((h) => ({ ...h, namespace: hostNamespace(spec.prefix, h.name) }));
  // Hosts recorded before but no longer in the spec stay recorded, so teardown still removes them.
  const kept = (previous?.hosts ?? []).filter((h) => !hosts.some((x) => x.name === h.name));
  const record: NetworkRecord = {
    version: 1,
    prefix: spec.prefix,
    cidr: spec.cidr,
    switchNamespace: switchNamespace(spec.prefix),
    hosts: [...hosts, ...kept],
  };
  await writeRecordFile(spec.recordFile, record);

  const sw = record.switchNamespace;
  const ip = (...args: string[]) => runOk(tools.ip, args);
  const sysctlOff = (namespace: string) =>
    runOk(tools.nsenter, [
      `--net=${nsPath(namespace)}`,
      '/usr/sbin/sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    ]);
  const linkExists = async (namespace: string, link: string) =>
    (await run(tools.ip, ['-n', namespace, 'link', 'show', 'dev', link])).code === 0;

  if (!(await namespaceExists(sw))) {
    await ip('netns', 'add', sw);
    await sysctlOff(sw);
  }
  if (!(await linkExists(sw, BRIDGE))) await ip('-n', sw, 'link', 'add', BRIDGE, 'type', 'bridge');
  await ip('-n', sw, 'link', 'set', BRIDGE, 'up');
  for (const host of hosts) {
    if (!(await namespaceExists(host.namespace))) {
      await ip('netns', 'add', host.namespace);
      await sysctlOff(host.namespace);
    }
    const swEnd = `v-${host.name}`;
    if (!(await linkExists(sw, swEnd))) {
      // Made inside the switch namespace, its peer straight in the host's: nothing appears in the machine's own.
      await ip(
        '-n',
        sw,
        'link',
        'add',
        swEnd,
        'type',
        'veth',
        'peer',
        'name',
        HOST_LINK,
        'netns',
        host.namespace,
      );
    }
    await ip('-n', sw, 'link', 'set', swEnd, 'master', BRIDGE, 'up');
    await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    await ip(
      '-n',
      host.namespace,
      'addr',
      'replace',
      `${host.address}/${prefixLength(spec.cidr)}`,
      'dev',
      HOST_LINK,
    );
    for (const extra of host.extraAddresses ?? [])
      await ip('-n', host.namespace, 'addr', 'replace', `${extra}/32`, 'dev', HOST_LINK);
    await ip('-n', host.namespace, 'link', 'set', HOST_LINK, 'up');
    if (spec.gateway !== undefined && !hostAddresses(host).includes(spec.gateway))
      await ip('-n', host.namespace, 'route', 'replace', 'default', 'via', spec.gateway, 'dev', HOST_LINK);
  }
  return networkFrom(record, spec.recordFile, tools);
}

/** The network a record file describes (undefined when there is no record). */
export async function openNetwork(
  recordFile: string,
  tools: Tools = DEFAULT_TOOLS,
): Promise<Network | undefined> {
  const record = await readNetworkRecord(recordFile);
  return record && networkFrom(record, recordFile, tools);
}

/**
 * Tear down what a record names, idempotently: every fault, every namespace (with its links), the record.
 * Refuses (BUSY) while processes run in a host's namespace, naming them. No record: nothing to do.
 */
export async function teardownRecorded(
  recordFile: string,
  tools: Tools = DEFAULT_TOOLS,
): Promise<TeardownResult> {
  const network = await openNetwork(recordFile, tools);
  return network ? network.teardown() : { removed: [] };
}

function networkFrom(record: NetworkRecord, recordFile: string, tools: Tools): Network {
  const hostRecord = (name: string) => {
    const host = record.hosts.find((h) => h.name === name);
    if (!host) {
      throw new NetlabError(
        'UNKNOWN_HOST',
        `no host "${name}" in the network ${record.prefix}; its hosts: ${record.hosts.map((h) => h.name).join(', ')}`,
      );
    }
    return host;
  };
  const nsArg = (name: string) => `--net=${nsPath(hostRecord(name).namespace)}`;
  const nft = (host: string, args: readonly string[], input?: string) =>
    runOk(tools.nsenter, [nsArg(host), tools.nft, ...args], input === undefined ? {} : { input });
  const faultTables = async (host: string): Promise<string[]> => {
    const out = await nft(host, ['list', 'tables']);
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((w) => w[0] === 'table' && w[1] === 'inet' && FAULT_TABLE.test(w[2] ?? ''))
      .map((w) => w[2] as string);
  };
  const newTable = () => `netlab_${randomBytes(5).toString('hex')}`;
  const addTable = async (host: string, table: string, input: string[], output: string[]): Promise<Heal> => {
    assertRoot('a link fault');
    const chain = (name: string, hook: string, rules: string[]) =>
      rules.length === 0
        ? ''
        : `  chain ${name} {\n    type filter hook ${hook} priority -10; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
    await nft(
      host,
      ['-f', '-'],
      `table inet ${table} {\n${chain('in', 'input', input)}${chain('out', 'output', output)}}\n`,
    );
    let healed = false;
    return async () => {
      if (healed) return;
      if (await namespaceExists(hostRecord(host).namespace)) {
        const tables = await faultTables(host);
        if (tables.includes(table)) await nft(host, ['delete', 'table', 'inet', table]);
      }
      healed = true;
    };
  };
  const sw = record.switchNamespace;
  /** Processes in the switch namespace: only delay lines run there. */
  const switchPids = () => pidsInNamespace(sw);
  /** Undo every delay line: stop the processes, remove the `d-` links, put every host's port back on the bridge. */
  const removeDelayLines = async (): Promise<number> => {
    if (!(await namespaceExists(sw))) return 0;
    const pids = await switchPids();
    for (const pid of pids) killQuietly(pid);
    const links = JSON.parse((await run(tools.ip, ['-n', sw, '-j', 'link', 'show'])).stdout || '[]') as {
      ifname: string;
      master?: string;
    }[];
    let removed = 0;
    for (const l of links) {
      if (DELAY_LINK.test(l.ifname)) {
        await run(tools.ip, ['-n', sw, 'link', 'del', l.ifname]);
        removed++;
      }
    }
    for (const h of record.hosts) {
      const port = links.find((l) => l.ifname === `v-${h.name}`);
      if (port && port.master !== BRIDGE)
        await run(tools.ip, ['-n', sw, 'link', 'set', port.ifname, 'master', BRIDGE]);
    }
    return removed;
  };
  /**
   * Delay what `host` sends by `delayMs` without netem: its switch port `v-<host>` leaves the bridge, a veth pair
   * `d-<host>`/`e-<host>` takes its place (`e-` on the bridge), and delay-line.py in the switch namespace moves
   * frames between `v-` and `d-`, holding the host's for `delayMs`. The heal stops it and restores the port.
   */
  const delayLine = async (host: string, delayMs: number): Promise<Heal> => {
    assertRoot('a link fault');
    const port = `v-${host}`;
    const line = `d-${host}`;
    const peer = `e-${host}`;
    const ip = (...args: string[]) => runOk(tools.ip, ['-n', sw, ...args]);
    await ip('link', 'add', line, 'type', 'veth', 'peer', 'name', peer);
    let child: ChildProcess | undefined;
    const undo = async () => {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      if (!(await namespaceExists(sw))) return;
      await run(tools.ip, ['-n', sw, 'link', 'del', line]);
      await run(tools.ip, ['-n', sw, 'link', 'set', port, 'master', BRIDGE]);
    };
    try {
      await ip('link', 'set', peer, 'master', BRIDGE, 'up');
      await ip('link', 'set', line, 'up');
      await ip('link', 'set', port, 'nomaster');
      const started = spawn(
        tools.nsenter,
        [`--net=${nsPath(sw)}`, '--', tools.python3, DELAY_LINE, port, line, String(delayMs)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      let said = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "ready" within 5 s: ${said.trim()}`)), 5000);
        const onData = (d: Buffer) => {
          said += d.toString();
          if (/^ready$/m.test(said)) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout.on('data', onData);
        started.stderr.on('data', onData);
        started.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited ${code}: ${said.trim()}`));
        });
      });
      started.stdout.removeAllListeners('data');
      started.stderr.removeAllListeners('data');
      started.stdout.resume();
      started.stderr.resume();
    } catch (error) {
      await undo();
      throw new NetlabError(
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'TOOL_MISSING' : 'COMMAND_FAILED',
        `delayMs ${delayMs} on ${host}: this kernel has no netem, and the delay line did not start (${(error as Error).message}); it needs python3 (${tools.python3})`,
        { cause: error },
      );
    }
    let healed = false;
    return async () => {
      if (healed) return;
      await undo();
      healed = true;
    };
  };
  // Every address a peer holds: a cut to a router host also cuts what it answers for (its gateway, IMDS).
  const addressSet = (peers: readonly string[]) =>
    `{ ${peers.flatMap((p) => hostAddresses(hostRecord(p))).join(', ')} }`;

  const network: Network = {
    record,
    recordFile,
    namespaceOf: (host) => hostRecord(host).namespace,
    addressOf: (host) => hostRecord(host).address,
    hostOf: (address) => record.hosts.find((h) => hostAddresses(h).includes(address))?.name,
    enter(host, command, args, options = {}) {
      const drop = [
        ...(options.gid === undefined ? [] : ['--setgid', String(options.gid)]),
        ...(options.uid === undefined ? [] : ['--setuid', String(options.uid)]),
      ];
      return { command: tools.nsenter, args: [nsArg(host), ...drop, '--', command, ...args] };
    },
    exec(host, command, args, options = {}) {
      return run(tools.nsenter, [nsArg(host), '--', command, ...args], options);
    },
    async cut(host, options = {}) {
      const peers = options.peers ?? 'all';
      const direction = options.direction ?? 'both';
      if (peers !== 'all') {
        const bad = peers.filter((p) => !record.hosts.some((h) => h.name === p) || p === host);
        if (bad.length > 0 || peers.length === 0) {
          throw NetlabError.fromIssues('cut', [
            {
              path: 'peers',
              value: peers,
              message: `name one or more other hosts of the network (${record.hosts.map((h) => h.name).join(', ')}), or 'all'`,
            },
          ]);
        }
      }
      const inRule = peers === 'all' ? 'iifname != "lo" drop' : `ip saddr ${addressSet(peers)} drop`;
      const outRule = peers === 'all' ? 'oifname != "lo" drop' : `ip daddr ${addressSet(peers)} drop`;
      return addTable(
        host,
        newTable(),
        direction === 'out' ? [] : [inRule],
        direction === 'in' ? [] : [outRule],
      );
    },
    async degrade(host, options) {
      const loss = options.lossPercent ?? 0;
      const delay = options.delayMs ?? 0;
      const direction = options.direction ?? 'out';
      const issues = [];
      if (!Number.isInteger(loss) || loss < 0 || loss > 100)
        issues.push({ path: 'lossPercent', value: loss, message: 'use a whole percent from 0 to 100' });
      if (!Number.isInteger(delay) || delay < 0 || delay > 60_000)
        issues.push({ path: 'delayMs', value: delay, message: 'use whole milliseconds from 0 to 60000' });
      if (issues.length > 0) throw NetlabError.fromIssues('degrade', issues);
      hostRecord(host);
      const heals: Heal[] = [];
      try {
        if (delay > 0) {
          assertRoot('a link fault');
          const ns = nsArg(host);
          const added = await run(tools.nsenter, [
            ns,
            tools.tc,
            'qdisc',
            'add',
            'dev',
            HOST_LINK,
            'root',
            'netem',
            'delay',
            `${delay}ms`,
          ]);
          if (added.code !== 0 && !/unknown|No such file/i.test(added.stderr)) {
            throw new NetlabError('COMMAND_FAILED', `tc qdisc add netem on ${host}: ${added.stderr.trim()}`);
          }
          if (added.code !== 0) {
            // No netem in this kernel: the same delay from a delay line in the switch namespace.
            heals.push(await delayLine(host, delay));
          } else {
            let healed = false;
            heals.push(async () => {
              if (healed) return;
              if (await namespaceExists(hostRecord(host).namespace))
                await run(tools.nsenter, [ns, tools.tc, 'qdisc', 'del', 'dev', HOST_LINK, 'root']);
              healed = true;
            });
          }
        }
        if (loss > 0) {
          // numgen's range is 0..99: "< 100" is refused, and 100% loss is a plain drop.
          const chance = loss >= 100 ? '' : ` numgen random mod 100 < ${loss}`;
          const rule = `iifname != "lo"${chance} drop`;
          const outRule = `oifname != "lo"${chance} drop`;
          heals.push(
            await addTable(
              host,
              newTable(),
              direction === 'out' ? [] : [rule],
              direction === 'in' ? [] : [outRule],
            ),
          );
        }
      } catch (error) {
        for (const heal of heals) await heal();
        throw error;
      }
      return async () => {
        for (const heal of heals) await heal();
      };
    },
    async healAll() {
      let removed = 0;
      for (const host of record.hosts) {
        if (!(await namespaceExists(host.namespace))) continue;
        for (const table of await faultTables(host.name)) {
          await nft(host.name, ['delete', 'table', 'inet', table]);
          removed++;
        }
        await run(tools.nsenter, [nsArg(host.name), tools.tc, 'qdisc', 'del', 'dev', HOST_LINK, 'root']);
      }
      return removed + (await removeDelayLines());
    },
    pidsIn(host) {
      return pidsInNamespace(hostRecord(host).namespace);
    },
    async teardown() {
      assertRoot('tearing a network down');
      const busy: string[] = [];
      for (const host of record.hosts) {
        // This process may run in one (a drill in the admin host): the namespace lives on until it exits.
        const pids = (await network.pidsIn(host.name)).filter((pid) => pid !== process.pid);
        if (pids.length > 0) busy.push(`${host.namespace}: PID ${pids.join(', ')}`);
      }
      if (busy.length > 0) {
        throw new NetlabError(
          'BUSY',
          `processes still run in the network's namespaces (${busy.join('; ')}); stop them by PID first, then tear down again`,
        );
      }
      // Delay lines run in the switch namespace: they are ours, stopped with it.
      for (const pid of await switchPids()) killQuietly(pid);
      const removed: string[] = [];
      for (const namespace of [...record.hosts.map((h) => h.namespace), record.switchNamespace]) {
        if (!(await namespaceExists(namespace))) continue;
        const result = await run(tools.ip, ['netns', 'del', namespace]);
        if (result.code !== 0 && (await namespaceExists(namespace))) {
          throw new NetlabError('COMMAND_FAILED', `ip netns del ${namespace}: ${result.stderr.trim()}`);
        }
        removed.push(namespace);
      }
      await rm(recordFile, { force: true });
      return { removed };
    },
  };
  return network;
}

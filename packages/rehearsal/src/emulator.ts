import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAlive, type ProcessRecord, startService, stopAll, writeRecord } from '@pgha/local-cluster';
import { RehearsalError } from './errors.js';
import type { RehearsalLayout } from './layout.js';

/** The emulator's name in the run dir and in messages. */
export const EMULATOR = 'moto_server';

/** Credentials the emulator accepts (it checks no signature); never a real key. */
export const DUMMY_CREDENTIALS = {
  accessKeyId: 'rehearsal-dummy',
  secretAccessKey: 'rehearsal-dummy',
} as const;

/** A running emulator: the process record (stop it by this PID only) and its endpoint on 127.0.0.1. */
export interface Emulator {
  readonly record: ProcessRecord;
  readonly port: number;
  readonly endpoint: string;
  readonly logFile: string;
}

/** The AMI the emulator serves under the config's id, in moto's `MOTO_AMIS_PATH` format. */
export function amiDocument(amiId: string, amiOs: string): Record<string, unknown>[] {
  return [
    {
      ami_id: amiId,
      name: `pgha-rehearsal-${amiOs}`,
      description: `stands for the config's ${amiOs} AMI in a pgha rehearsal`,
      owner_id: '136693071363',
      public: true,
      virtualization_type: 'hvm',
      architecture: 'x86_64',
      state: 'available',
      root_device_type: 'ebs',
      root_device_name: '/dev/xvda',
    },
  ];
}

/** A TCP port on 127.0.0.1 nobody listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function logTail(file: string, lines = 8): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines);
  return tail.length > 0 && tail[0] !== '' ? `:\n    ${tail.join('\n    ')}` : '';
}

/**
 * Start `moto_server` bound to 127.0.0.1 on a free port, detached (Ctrl-C in the terminal does not reach it:
 * `--destroy` stops it), with `MOTO_IAM_LOAD_MANAGED_POLICIES=true` and the config's AMI. Its record (PID and
 * kernel start time) is written to the run dir before anything waits on it. Resolves once it answers HTTP.
 */
export async function startEmulator(options: {
  readonly layout: RehearsalLayout;
  readonly motoServer: string;
  /** The complete environment of the emulator (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}): Promise<Emulator> {
  const { layout } = options;
  const logFile = join(layout.logDir, `${EMULATOR}.log`);
  const recordFile = join(layout.runDir, `${EMULATOR}.json`);
  // The port is free when picked and taken a moment later; another process can win that race: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const record = await startService({
      name: EMULATOR,
      command: options.motoServer,
      args: ['-H', '127.0.0.1', '-p', String(port)],
      logFile,
      cwd: layout.workDir,
      env: { ...options.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', MOTO_AMIS_PATH: layout.amisFile },
    });
    await writeRecord(recordFile, record);
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!(await isAlive(record))) break;
      if (await answers(endpoint)) return { record, port, endpoint, logFile };
      await sleep(100);
    }
    const alive = await isAlive(record);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (!alive && attempt < 3 && /address already in use/i.test(log)) continue;
    if (alive) await stopAll([record], 5000);
    throw new RehearsalError(
      alive ? 'START_TIMEOUT' : 'PROCESS_DIED',
      alive
        ? `${EMULATOR} (PID ${record.pid}) did not answer on ${endpoint} within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s; stopped it${await logTail(logFile)}`
        : `${EMULATOR} exited before it answered on ${endpoint}${await logTail(logFile)}`,
      {
        hint: `its log is ${logFile}; run it by hand (${options.motoServer} -H 127.0.0.1 -p ${port}) to see why`,
      },
    );
  }
}

/** True when something answers HTTP at `endpoint` (moto answers `/` with an S3 bucket list). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

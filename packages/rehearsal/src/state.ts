import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProcessRecord, readRecord } from '@pgha/local-cluster';
import { RehearsalError } from './errors.js';
import type { RehearsalLayout } from './layout.js';
import type { SeededResources } from './seed.js';

/** How far a rehearsal got; each stage is recorded before the next begins. */
export type RehearsalStage =
  | 'started'
  | 'emulator'
  | 'seeded'
  | 'synthesized'
  | 'applied'
  | 'read-back'
  | 'booting'
  | 'booted'
  | 'verified'
  | 'drilled';

/**
 * `rehearsal.json`: the rehearsal's own record of what it reached and created (never a secret). The processes
 * it started are recorded apart, one file each in the run dir, the moment each starts. `--destroy` stops
 * those and removes the work dir; later stages add what they make (containers, namespaces, mounts) here.
 */
export interface RehearsalState {
  readonly version: 1;
  readonly cluster: string;
  readonly region: string;
  /** The AWS config file the rehearsal was run with (absolute). */
  readonly config: string;
  readonly startedAt: string;
  readonly stage: RehearsalStage;
  readonly emulator?: { readonly pid: number; readonly endpoint: string; readonly logFile: string };
  readonly seeded?: SeededResources;
  readonly stackDir?: string;
  /** The provider endpoints pointed at the emulator. */
  readonly services?: readonly string[];
  readonly launchedFile?: string;
}

/** Write the state file whole (a rename), so an interrupted write never leaves half a file. */
export async function writeRehearsalState(layout: RehearsalLayout, state: RehearsalState): Promise<void> {
  const tmp = `${layout.stateFile}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, layout.stateFile);
}

/**
 * Create the state file, failing when one is there: a rehearsal is running in this work dir or was left
 * behind (two rehearsals never share one work dir).
 */
export async function claimWorkDir(layout: RehearsalLayout, state: RehearsalState): Promise<void> {
  try {
    await writeFile(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const before = await readRehearsalState(layout);
    throw new RehearsalError(
      'STATE_CONFLICT',
      `a rehearsal of cluster "${before?.cluster ?? state.cluster}" is already in ${layout.workDir} (stage ${before?.stage ?? 'unknown'}, started ${before?.startedAt ?? 'at an unknown time'})`,
      {
        hint: `remove it first (destroyRehearsal; its config: ${before?.config ?? state.config}), or use another work dir`,
        reason: 'work-dir-taken',
      },
    );
  }
}

/** The state file, or undefined when there is none; a file that is not one is STATE_DAMAGED. */
export async function readRehearsalState(layout: RehearsalLayout): Promise<RehearsalState | undefined> {
  let text: string;
  try {
    text = await readFile(layout.stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RehearsalState>;
    if (value.version === 1 && typeof value.cluster === 'string' && typeof value.stage === 'string')
      return value as RehearsalState;
  } catch {
    // reported below
  }
  throw new RehearsalError('STATE_DAMAGED', `${layout.stateFile} is not a rehearsal record`, {
    hint: `the processes the rehearsal started are recorded in ${layout.runDir} (PID and start time); stop them by PID, then remove ${layout.workDir}`,
  });
}

/** Every process record in the run dir (a damaged one is STATE_DAMAGED, naming the file). */
export async function startedProcesses(layout: RehearsalLayout): Promise<ProcessRecord[]> {
  let names: string[];
  try {
    names = await readdir(layout.runDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ProcessRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const record = await readRecord(join(layout.runDir, name));
    if (record !== undefined) records.push(record);
  }
  return records;
}

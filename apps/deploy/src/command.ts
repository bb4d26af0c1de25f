import type { parseArgs } from 'node:util';
import type { Io } from './reporter.js';

/** One flag of a command: its `parseArgs` type and, for a few, a one-letter alias. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

/** The flags one command takes, by long name (`state-dir`, `json`, ...): its `parseArgs` options. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What every command takes; cli.ts reads these itself (the cluster name check, --help, --json errors). */
export const COMMON_FLAGS = {
  cluster: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagTable;

/** How cli.ts calls `parseArgs` for a command whose flags are `T`: strict, no positionals. */
export interface ParseConfig<T extends FlagTable> {
  readonly args: string[];
  readonly options: typeof COMMON_FLAGS & T;
  readonly strict: true;
  readonly allowPositionals: false;
}

/**
 * The flags a command gets, typed from its table: a string flag's text, a boolean flag's `true`, absent when
 * not given. It is the type `parseArgs` itself returns for that table, so cli.ts hands it over as parsed.
 */
export type CommandFlags<T extends FlagTable> = ReturnType<typeof parseArgs<ParseConfig<T>>>['values'];

/**
 * What each module in `commands/` exports: the flags it takes besides the common ones, and the command run
 * with them, returning the exit code. The types live here, not in `cli.ts`, so the imports run one way:
 * cli.ts loads the commands, the commands import this module.
 */
export interface CommandModule<T extends FlagTable> {
  readonly FLAGS: T;
  run(flags: CommandFlags<T>, io: Io): Promise<number>;
}

import type { Io } from './reporter.js';

/** The flags `pgha` parsed for one command, by long name (`state-dir`, `json`, ...). */
export interface ParsedFlags {
  readonly [key: string]: string | boolean | undefined;
}

/**
 * What each module in `commands/` exports as its default: run with the parsed flags, return the exit code.
 * The types live here, not in `cli.ts`, so the imports run one way: cli.ts loads the commands, the commands
 * import this module.
 */
export type Command = (flags: ParsedFlags, io: Io) => Promise<number>;

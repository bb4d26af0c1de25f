import { useColor } from '@pgha/verify';
import type { DeployEvent } from './events.js';

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where confirmations are read from; only a TTY is asked. @default - none: nothing is asked */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /**
   * Fires on Ctrl-C (the bin wires SIGINT/SIGTERM to it): a deploy stops at its next step, says what is left
   * running and exits 130. @default - never fires
   */
  readonly signal?: AbortSignal;
}

export interface Reporter {
  event(event: DeployEvent): void;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Progress for people, on stderr (stdout stays for results): one line when a step starts on a TTY,
 * one line when it ends everywhere, with its elapsed time.
 */
export function humanReporter(io: Io): Reporter {
  // The one rule of both pgha CLIs (TTY, NO_COLOR set and non-empty, TERM=dumb).
  const colour = useColor(io.stderr, io.env);
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const titles = new Map<string, string>();
  const out = io.stderr;
  return {
    event(event) {
      switch (event.type) {
        case 'step-start':
          titles.set(event.step, event.title);
          if (io.stderr.isTTY) out.write(`${paint('2', '…')} ${event.title}\n`);
          break;
        case 'step-done': {
          const detail = event.detail ? ` ${paint('2', `- ${event.detail}`)}` : '';
          out.write(
            `${paint('32', 'ok')}  ${titles.get(event.step)} ${paint('2', seconds(event.ms))}${detail}\n`,
          );
          break;
        }
        case 'step-failed':
          out.write(`${paint('31', 'FAIL')} ${titles.get(event.step)} ${paint('2', seconds(event.ms))}\n`);
          break;
        case 'progress':
          out.write(`    ${paint('2', event.message)}\n`);
          break;
        case 'notice':
          out.write(`${event.message}\n`);
          break;
        case 'warning':
          out.write(`${paint('33', 'warning:')} ${event.message}\n`);
          break;
      }
    },
  };
}

/** With --json, progress is still shown to people on stderr; stdout carries only the final document. */
export function quietReporter(io: Io): Reporter {
  return {
    event(event) {
      if (event.type === 'warning') io.stderr.write(`warning: ${event.message}\n`);
      if (event.type === 'step-failed') io.stderr.write(`failed: ${event.step}: ${event.error}\n`);
    },
  };
}

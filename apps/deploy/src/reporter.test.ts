import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { humanReporter, type Io } from './reporter.js';

/** Runs one step through the human reporter and returns what it wrote to stderr. */
function report(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): string {
  const stderr = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c.toString()));
  const r = humanReporter({ stdout: new PassThrough(), stderr, env } satisfies Io);
  r.event({ type: 'step-start', step: 'etcd', title: 'etcd: 3 members' });
  r.event({ type: 'step-done', step: 'etcd', ms: 1200 });
  r.event({ type: 'warning', message: 'careful' });
  return chunks.join('');
}

// The rule itself (@pgha/verify's useColor) has its own table; this checks the reporter asks it about stderr.
describe('human reporter: colour on a TTY unless NO_COLOR is set and non-empty (no-color.org)', () => {
  test.each([
    { isTTY: true, env: {}, coloured: true },
    { isTTY: false, env: {}, coloured: false },
    { isTTY: true, env: { NO_COLOR: '1' }, coloured: false },
    { isTTY: true, env: { NO_COLOR: '' }, coloured: true },
  ])('TTY $isTTY, env $env: coloured $coloured', ({ isTTY, env, coloured }) => {
    const text = report(isTTY, env);
    expect(text.includes('\u001b[')).toBe(coloured);
    // Colour or not, the same words.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the reporter's ANSI codes
    expect(text.replace(/\u001b\[\d+m/g, '')).toContain('ok  etcd: 3 members 1.2s\nwarning: careful\n');
  });
});

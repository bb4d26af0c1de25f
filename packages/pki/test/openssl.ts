import { execFile } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the system `openssl` (the independent checker); never throws on a non-zero exit. */
export function openssl(args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** The lines of an `openssl x509 -text` section, e.g. the values under `X509v3 Subject Alternative Name`. */
export function textSection(text: string, heading: string): { critical: boolean; value: string } | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim().startsWith(`${heading}:`));
  if (at < 0) return undefined;
  return { critical: (lines[at] ?? '').includes('critical'), value: (lines[at + 1] ?? '').trim() };
}

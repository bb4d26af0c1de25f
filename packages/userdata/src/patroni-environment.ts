import { type Problem, UserdataError } from './errors.js';

/** The secrets one Patroni node needs at run time. Keep them out of config files and logs. */
export interface PatroniSecrets {
  readonly superuserPassword: string;
  readonly replicationPassword: string;
  readonly rewindPassword: string;
  /** @default 'patroni' */
  readonly restApiUsername?: string;
  /** Protects the REST API's unsafe methods (switchover, restart, config); health GETs stay open. */
  readonly restApiPassword: string;
}

/** Names of the environment variables {@link patroniEnvironment} sets (Patroni reads and removes them). */
export const PATRONI_SECRET_VARIABLES = [
  'PATRONI_SUPERUSER_PASSWORD',
  'PATRONI_REPLICATION_PASSWORD',
  'PATRONI_REWIND_PASSWORD',
  'PATRONI_RESTAPI_USERNAME',
  'PATRONI_RESTAPI_PASSWORD',
] as const;

export type PatroniSecretVariable = (typeof PATRONI_SECRET_VARIABLES)[number];

/**
 * Map the secrets to the environment Patroni reads them from (`PATRONI_SUPERUSER_PASSWORD`, ...), to merge into
 * a clean environment for the Patroni process. The result holds the passwords: never log it.
 * @throws UserdataError `INVALID_OPTIONS` naming each missing or unusable field (never its value)
 */
export function patroniEnvironment(secrets: PatroniSecrets): Record<PatroniSecretVariable, string> {
  const problems: Problem[] = [];
  const fields = ['superuserPassword', 'replicationPassword', 'rewindPassword', 'restApiPassword'] as const;
  for (const key of fields) {
    const v: unknown = secrets?.[key];
    // Printable ASCII only: Patroni 3.0.2 fails its bootstrap on a non-ASCII password (psycopg2 quoting
    // raises UnicodeDecodeError in post_bootstrap), and a line break has no place in a password.
    if (typeof v !== 'string' || !/^[\x20-\x7e]+$/.test(v)) {
      problems.push({
        path: `secrets.${key}`,
        value: typeof v === 'string' ? '<redacted>' : v,
        message:
          'give a non-empty password of printable ASCII characters (>= 24 from a CSPRNG; Patroni 3.0.2 cannot bootstrap with non-ASCII ones)',
      });
    }
  }
  const username = secrets?.restApiUsername ?? 'patroni';
  if (typeof username !== 'string' || !/^[A-Za-z0-9._-]{1,63}$/.test(username)) {
    problems.push({
      path: 'secrets.restApiUsername',
      value: username,
      message: 'give 1 to 63 letters, digits, ".", "_" or "-"',
    });
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot build the Patroni environment', problems);
  }
  return {
    PATRONI_SUPERUSER_PASSWORD: secrets.superuserPassword,
    PATRONI_REPLICATION_PASSWORD: secrets.replicationPassword,
    PATRONI_REWIND_PASSWORD: secrets.rewindPassword,
    PATRONI_RESTAPI_USERNAME: username,
    PATRONI_RESTAPI_PASSWORD: secrets.restApiPassword,
  };
}

/**
 * An environment file for systemd's `EnvironmentFile=` (and POSIX `sh` `.`/`source`): one `NAME="value"` per
 * line, with `\`, `"`, `` ` `` and `$` escaped by a backslash. Values may hold any character but NUL;
 * a line break in a value stays inside the quotes.
 * @throws UserdataError `INVALID_OPTIONS` for a bad variable name or a NUL in a value
 */
export function renderEnvironmentFile(env: Readonly<Record<string, string>>): string {
  const problems: Problem[] = [];
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push({
        path: name,
        value: name,
        message: 'variable names are letters, digits and "_", not starting with a digit',
      });
      continue;
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      problems.push({ path: name, value: '<redacted>', message: 'give a string without NUL characters' });
      continue;
    }
    lines.push(`${name}="${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`);
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot render the environment file', problems);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

import type { Problem } from '../errors.js';

/** A path the renderers write into a config file: absolute, no control characters. */
export function checkPath(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value !== 'string' || !value.startsWith('/') || hasControlCharacter(value)) {
    problems.push({
      path,
      value,
      message: 'give an absolute path without control characters (e.g. "/var/lib/pgha/main/etcd-1")',
    });
  }
}

/** A path written unquoted into HAProxy's config: absolute and no whitespace, quotes, `#` or `\`. */
export function checkBarePath(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value !== 'string' || !/^\/[^\s"'#\\]*$/.test(value)) {
    problems.push({
      path,
      value,
      message: 'give an absolute path without spaces, quotes, "#" or "\\" (HAProxy reads it unquoted)',
    });
  }
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * True when a Patroni version string (major.minor[.patch], as `patroni --version` prints it) is at least
 * `least`. Missing or unreadable parts count as 0, so "unknown" is older than every release.
 */
export function patroniAtLeast(version: string, least: readonly [number, number, number]): boolean {
  const have = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = least[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

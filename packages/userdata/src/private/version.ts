/** A dotted version `major.minor[.patch]` as numbers, or undefined when it is not one. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(value: unknown): Version | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?$/.exec(value);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: Version, b: Version): number {
  return Math.sign(a.major - b.major || a.minor - b.minor || a.patch - b.patch);
}

export function atLeast(value: Version, major: number, minor: number, patch = 0): boolean {
  return compareVersions(value, { major, minor, patch }) >= 0;
}

/**
 * A copy of `props` without the keys whose value is `undefined`, so that `{ ...DEFAULTS, ...stripUndefined(props) }`
 * keeps a default where the caller passed `undefined` explicitly.
 */
export function stripUndefined<T extends object>(props: T): T {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as T;
}

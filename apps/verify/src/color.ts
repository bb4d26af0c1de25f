/**
 * Whether a CLI colours what it writes to `stream`: only on a TTY, and never when `NO_COLOR` is set to a
 * non-empty value (https://no-color.org: an empty `NO_COLOR` leaves colour on) or `TERM` is `dumb`. Both pgha
 * CLIs ask this one rule (`pgha-verify` for stdout, the deploy CLI's human reporter for stderr). Pure: the
 * caller passes the environment.
 */
export function useColor(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

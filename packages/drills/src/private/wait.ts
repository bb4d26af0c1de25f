import { DrillError } from '../errors.js';

/** Throws ABORTED when the signal fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DrillError('ABORTED', 'the drill was aborted', { cause: signal.reason });
}

/** Sleep `ms`; rejects with ABORTED as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DrillError('ABORTED', 'the drill was aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DrillError('ABORTED', 'the drill was aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Poll `probe` until it returns something other than undefined (its errors count as "not yet"), or time is up. */
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkAborted(signal);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs, signal);
  }
}

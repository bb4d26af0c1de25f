/**
 * The events of a named step of work: what the libraries that drive a cluster (the local runtime, the drills)
 * emit around each step, so one reporter renders them all.
 */
export type StepEvent =
  | { readonly type: 'step-start'; readonly step: string; readonly title: string }
  | { readonly type: 'step-done'; readonly step: string; readonly ms: number; readonly detail?: string }
  | { readonly type: 'step-failed'; readonly step: string; readonly ms: number; readonly error: string };

/**
 * Run `fn` as a named step: emits `step-start`, then `step-done` with the elapsed milliseconds (and
 * `detail(value)` when given and defined) or `step-failed` with the error's message, and rethrows.
 */
export async function step<T>(
  emit: (event: StepEvent) => void,
  id: string,
  title: string,
  fn: () => Promise<T>,
  detail?: (value: T) => string | undefined,
): Promise<T> {
  const started = performance.now();
  emit({ type: 'step-start', step: id, title });
  try {
    const value = await fn();
    const text = detail?.(value);
    emit({
      type: 'step-done',
      step: id,
      ms: Math.round(performance.now() - started),
      ...(text === undefined ? {} : { detail: text }),
    });
    return value;
  } catch (error) {
    emit({
      type: 'step-failed',
      step: id,
      ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

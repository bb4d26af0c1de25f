import type { DrillEventListener } from '../events.js';

/** Run fn as a named step: emits start, then done (with elapsed ms) or failed. */
export async function step<T>(
  emit: DrillEventListener,
  id: string,
  title: string,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  emit({ type: 'step-start', step: id, title });
  try {
    const value = await fn();
    emit({ type: 'step-done', step: id, ms: Math.round(performance.now() - started) });
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

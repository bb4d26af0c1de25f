/** What deploy, destroy and status emit while they work; reporters turn these into output. */
export type DeployEvent =
  | { readonly type: 'step-start'; readonly step: string; readonly title: string }
  | { readonly type: 'step-done'; readonly step: string; readonly ms: number; readonly detail?: string }
  | { readonly type: 'step-failed'; readonly step: string; readonly ms: number; readonly error: string }
  | { readonly type: 'progress'; readonly step: string; readonly message: string }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type Emit = (event: DeployEvent) => void;

/** Run fn as a named step: emits start, then done (with elapsed ms) or failed. */
export async function step<T>(
  emit: Emit,
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

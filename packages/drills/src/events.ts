import type { StepEvent } from '@pgha/clients';

/**
 * What a drill emits while it works; the caller renders them (the step events of `@pgha/clients`, which the
 * local runtime emits too, so one reporter prints both as they are).
 */
export type DrillEvent =
  | StepEvent
  | { readonly type: 'progress'; readonly step: string; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type DrillEventListener = (event: DrillEvent) => void;

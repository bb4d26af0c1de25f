/**
 * What a drill emits while it works; the caller renders them (the shape of `@pgha/deploy`'s step events, so a
 * deploy reporter prints them as they are).
 */
export type DrillEvent =
  | { readonly type: 'step-start'; readonly step: string; readonly title: string }
  | { readonly type: 'step-done'; readonly step: string; readonly ms: number; readonly detail?: string }
  | { readonly type: 'step-failed'; readonly step: string; readonly ms: number; readonly error: string }
  | { readonly type: 'progress'; readonly step: string; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type DrillEventListener = (event: DrillEvent) => void;

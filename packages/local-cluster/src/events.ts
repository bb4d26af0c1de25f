import type { StepEvent } from '@pgha/clients';

/**
 * What deploy, destroy and the drill target emit while they work; the caller renders them (a CLI prints
 * them). Step events come from `@pgha/clients`' `step()`; `progress` is a line within a step, `notice` a line
 * for the user, `warning` something that works but should not be so.
 */
export type LocalClusterEvent =
  | StepEvent
  | { readonly type: 'progress'; readonly step: string; readonly message: string }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type LocalClusterEventListener = (event: LocalClusterEvent) => void;

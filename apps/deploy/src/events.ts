import type { StepEvent } from '@pgha/clients';

/** What deploy, destroy and status emit while they work; reporters turn these into output. */
export type DeployEvent =
  | StepEvent
  | { readonly type: 'progress'; readonly step: string; readonly message: string }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type Emit = (event: DeployEvent) => void;

import type { StepEvent } from '@pgha/clients';

/**
 * What synth, plan, deploy and destroy emit while they work; the caller renders them (a CLI prints them). Step
 * events come from `@pgha/clients`' `step()`; `notice` is a line for the user, `warning` something that works
 * but should not be so. The same shapes as `@pgha/local-cluster`'s events, so one listener serves both.
 */
export type AwsDeployEvent =
  | StepEvent
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export type AwsDeployEventListener = (event: AwsDeployEvent) => void;

import type { LocalClusterEvent } from '@pgha/local-cluster';

/**
 * What a rehearsal emits while it works; the caller renders them (a CLI prints them). They are
 * `@pgha/local-cluster`'s events, whose processes, layout and secrets the rehearsal runs on: step events
 * (`@pgha/clients`' `step()`), `progress` (a line within a step: Terraform's apply, the boot), `notice` (a line
 * for the user), `warning` (something that works but should not be so). One listener serves both.
 */
export type RehearsalEvent = LocalClusterEvent;

export type RehearsalEventListener = (event: RehearsalEvent) => void;

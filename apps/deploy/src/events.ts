import type { LocalClusterEvent } from '@pgha/local-cluster';

/**
 * What the commands emit while they work: the local runtime's events (`@pgha/local-cluster`), which the AWS
 * and rehearsal code emit too; the drills' are a subset. Reporters turn these into output.
 */
export type DeployEvent = LocalClusterEvent;

export type Emit = (event: DeployEvent) => void;

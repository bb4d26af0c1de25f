import type { LocalClusterEvent } from '@pgha/local-cluster';

/**
 * What the commands emit while they work: the local runtime's events (`@pgha/local-cluster`), which the
 * rehearsal code emits too; the drills' and the AWS target's (`@pgha/aws-deploy`'s `AwsDeployEvent`) are
 * subsets of the same shapes. Reporters turn these into output.
 */
export type DeployEvent = LocalClusterEvent;

export type Emit = (event: DeployEvent) => void;

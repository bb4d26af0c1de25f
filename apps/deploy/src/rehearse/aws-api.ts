import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DUMMY_CREDENTIALS } from './emulator.js';

/** The AWS API clients of one emulator. */
export interface EmulatorClients {
  readonly ec2: EC2Client;
  readonly autoscaling: AutoScalingClient;
  readonly route53: Route53Client;
  destroy(): void;
}

/**
 * Clients that talk to the emulator only: its endpoint on 127.0.0.1, dummy credentials, and every setting the
 * SDK would otherwise look up in the environment or in `~/.aws/config` given explicitly, so none of the
 * user's AWS settings or credentials is read.
 */
export function emulatorClients(endpoint: string, region: string): EmulatorClients {
  const config = {
    endpoint,
    region,
    credentials: { ...DUMMY_CREDENTIALS },
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    maxAttempts: 3,
    retryMode: 'standard',
    defaultsMode: 'standard' as const,
    authSchemePreference: [],
    userAgentAppId: 'pgha-rehearsal',
  };
  const ec2 = new EC2Client(config);
  const autoscaling = new AutoScalingClient(config);
  const route53 = new Route53Client(config);
  return {
    ec2,
    autoscaling,
    route53,
    destroy() {
      ec2.destroy();
      autoscaling.destroy();
      route53.destroy();
    },
  };
}

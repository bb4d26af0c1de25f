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

/**
 * One request to the emulator for the services the rehearsal has no SDK client of (ELBv2, IAM): moto reads
 * the service from the credential scope and checks no signature. `path` is the query string or REST path.
 */
export async function emulatorQuery(
  endpoint: string,
  service: string,
  region: string,
  path: string,
): Promise<string> {
  const auth = `AWS4-HMAC-SHA256 Credential=${DUMMY_CREDENTIALS.accessKeyId}/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
  const response = await fetch(`${endpoint}${path}`, {
    headers: { authorization: auth },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`emulator ${service} ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The text of every `<tag>` element (non-greedy; enough for the emulator's flat XML answers). */
export const xmlAll = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] as string);
export const xmlOne = (xml: string, tag: string): string | undefined => xmlAll(xml, tag)[0];

import { type AwsConfig, isAwsDeployError, validateAwsConfig } from '@pgha/aws-deploy';
import {
  isRehearsalError,
  rehearsalLayout,
  rehearsalPrerequisites,
  subnetCidrs,
  vpcPlan,
} from '@pgha/rehearsal';

/**
 * Plan a rehearsal without starting anything: where its files go, the addresses of the network namespace that
 * stands for the VPC (gateway, resolver, the emulator's address, the admin host verify runs from), the subnets
 * the emulator is seeded with; then whether this machine has what stage 1 needs (moto_server, Terraform, the
 * offline provider mirror), looked up in `env`.
 */
export function planRehearsal(
  stateRoot: string,
  input: unknown,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const config: AwsConfig = validateAwsConfig(input, 'the example');
  const layout = rehearsalLayout({ stateRoot, cluster: config.clusterName });
  const vpc = vpcPlan({
    cluster: config.clusterName,
    vpcCidr: config.vpcCidr,
    adminCidrs: config.adminAccess?.cidrs ?? [],
    instances: [],
  });
  const lines = [
    `work dir: ${layout.workDir}`,
    `VPC: namespace ${vpc.namespace}, ${vpc.cidr}, gateway ${vpc.gateway}, resolver ${vpc.resolver}`,
    `emulator in the VPC: http://${vpc.services}:${vpc.emulatorPort}; admin host ${vpc.admin}`,
    `subnets: ${subnetCidrs(config.vpcCidr, config.subnets.length).join(', ')}`,
  ];
  try {
    const found = rehearsalPrerequisites(env);
    lines.push(`ready: ${found.motoServer}, ${found.terraform}, ${found.pluginDir}`);
  } catch (error) {
    if (!isRehearsalError(error) && !isAwsDeployError(error)) throw error;
    lines.push(`not ready: ${error.message}`);
  }
  return lines;
}

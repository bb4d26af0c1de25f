import { type AwsDeployEvent, isAwsDeployError, synthAws, validateAwsConfig } from '@pgha/aws-deploy';

/**
 * Check an AWS config (one error lists every broken rule, each as {path, value, message}), then synthesize its
 * stack under `stateRoot`: the PKI and the passwords are made there once, the Terraform JSON holds none of
 * them. Nothing is sent anywhere; no credentials are needed.
 */
export async function synthExample(stateRoot: string, input: unknown): Promise<string[]> {
  let config: ReturnType<typeof validateAwsConfig>;
  try {
    config = validateAwsConfig(input, 'the example');
  } catch (error) {
    if (!isAwsDeployError(error) || error.code !== 'CONFIG_INVALID') throw error;
    return error.problems.map((p) => `${p.path}: ${JSON.stringify(p.value)}: ${p.message}`);
  }
  const steps: string[] = [];
  const onEvent = (event: AwsDeployEvent) => {
    if (event.type === 'step-done') steps.push(event.step);
  };
  const result = await synthAws({ config, stateRoot }, onEvent);
  return [
    `steps: ${steps.join(', ')}`,
    `stack: ${result.stackFile}`,
    `resources: ${result.resources.total}`,
    `outputs: ${result.outputs.join(', ')}`,
    `secret inputs: ${result.secretInputs.length} (${JSON.stringify(result.secretInputs[0]?.value)})`,
  ];
}

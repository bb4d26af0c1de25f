import {
  addressPlan,
  DEFAULTS,
  isLocalClusterError,
  type LocalOptions,
  layoutFor,
  statusLocal,
  validateOptions,
} from '@pgha/local-cluster';

/**
 * Plan a local cluster without starting anything: check the options (one error lists every broken rule, each
 * as {path, value, message}), the addresses of its hosts and where its files go; then ask for its status,
 * which a state dir that never saw a deploy answers with NOT_DEPLOYED.
 */
export async function planLocalCluster(stateRoot: string, input: Record<string, unknown>): Promise<string[]> {
  let options: LocalOptions;
  try {
    options = validateOptions({ ...DEFAULTS, ...input }, 'the example');
  } catch (error) {
    if (!isLocalClusterError(error) || error.code !== 'CONFIG_INVALID') throw error;
    return error.problems.map((p) => `${p.path}: ${JSON.stringify(p.value)}: ${p.message}`);
  }
  const plan = addressPlan(options);
  const layout = layoutFor({ cluster: options.cluster, stateRoot, asRoot: false });
  const lines = [
    ...plan.etcd.map((m) => `${m.name} ${m.host}`),
    ...plan.patroni.map((n) => `${n.name} ${n.host}`),
    `haproxy ${plan.loadBalancer}`,
    `manifest ${layout.manifestFile}`,
  ];
  try {
    await statusLocal(layout);
  } catch (error) {
    if (!isLocalClusterError(error) || error.code !== 'NOT_DEPLOYED') throw error;
    lines.push(`status: ${error.message}`);
  }
  return lines;
}

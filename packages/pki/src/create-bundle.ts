import type { Bundle } from './bundle.js';
import { type BundleSpec, resolveBundleSpec } from './bundle-spec.js';
import { type PlanOptions, planBundle } from './private/plan.js';

export interface CreateBundleOptions {
  /**
   * The time "now" for validity periods.
   * @default - the current time
   */
  readonly now?: Date;
}

/**
 * Makes a whole bundle in memory: a CA and every certificate the spec asks for. Keys are generated in parallel
 * (Node's native generator on the libuv thread pool).
 * @throws PkiError `INVALID_SPEC` listing every broken rule.
 */
export async function createBundle(spec: BundleSpec, options: CreateBundleOptions = {}): Promise<Bundle> {
  const resolved = resolveBundleSpec(spec);
  const { bundle } = await planBundle(resolved, emptyCurrent(), planOptions(options));
  return bundle;
}

function emptyCurrent() {
  return { ca: {}, leaves: new Map(), previousIds: [] };
}

function planOptions(options: CreateBundleOptions): PlanOptions {
  return { now: options.now ?? new Date(), locate: (id, kind) => `${id} ${kind}` };
}

/**
 * Security rules over what Terraform would apply: the synthesized `cdk.tf.json` and the `terraform show -json`
 * plan. Each rule returns violations (empty = holds); the tests run them on the example stack and prove each
 * rule fires on a planted defect.
 */

type Json = Record<string, unknown>;

/** One resource as the rules see it, from either source. */
export interface ResourceView {
  readonly type: string;
  readonly address: string;
  readonly values: Json;
}

export interface Violation {
  readonly rule: string;
  readonly where: string;
  readonly detail: string;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const arr = (v: unknown): Json[] =>
  Array.isArray(v) ? (v as Json[]) : v === undefined || v === null ? [] : [v as Json];

/** Resources of a synthesized `cdk.tf.json`. */
export function resourcesFromSynth(doc: Json): ResourceView[] {
  const out: ResourceView[] = [];
  for (const [type, byName] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, Json>>)) {
    for (const [name, values] of Object.entries(byName))
      out.push({ type, address: `${type}.${name}`, values });
  }
  return out;
}

/** Resources of a `terraform show -json` plan (planned values, all modules). */
export function resourcesFromPlan(plan: Json): ResourceView[] {
  const out: ResourceView[] = [];
  const walk = (mod: Json | undefined) => {
    if (!mod) return;
    for (const r of arr(mod.resources))
      out.push({ type: r.type as string, address: r.address as string, values: (r.values ?? {}) as Json });
    for (const child of arr(mod.child_modules)) walk(child);
  };
  walk((plan.planned_values as Json | undefined)?.root_module as Json | undefined);
  return out;
}

/** Every string leaf of a JSON value, with its path. */
function* strings(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value))
    for (const [i, v] of value.entries()) yield* strings(v, [...path, String(i)]);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
  }
}

const USER_DATA_KEYS = new Set(['user_data', 'user_data_base64']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Every string leaf of a document, user-data decoded from base64 (so that a secret cannot hide inside the
 * encoding). Returns [where, text] pairs.
 */
export function textsOf(doc: unknown): [string, string][] {
  const out: [string, string][] = [];
  for (const [path, s] of strings(doc)) {
    const where = path.join('.');
    if (path.some((p) => USER_DATA_KEYS.has(p)) && s.length % 4 === 0 && BASE64.test(s)) {
      out.push([`${where} (base64-decoded)`, Buffer.from(s, 'base64').toString('utf8')]);
    } else {
      out.push([where, s]);
    }
  }
  return out;
}

function charClass(c: string): number {
  if (/[A-Z]/.test(c)) return 0;
  if (/[a-z]/.test(c)) return 1;
  if (/[0-9]/.test(c)) return 2;
  return 3;
}

/**
 * Runs that look like generated secrets: 16+ characters from a password alphabet (separators such as `.`, `/`,
 * `_`, `-`, `=` end a run, so names, paths and resource ids fall apart into short pieces), with upper and lower
 * case, a digit or symbol, and a character class changing between at least 40% of neighbouring characters
 * (about 62% for random base62 text, about 20% for CamelCase words like `AmazonSSMManagedInstanceCore`).
 */
export function secretLikeWords(text: string): string[] {
  return text.split(/[^A-Za-z0-9+!@#%^&*~]+/).filter((w) => {
    if (w.length < 16 || !/[A-Z]/.test(w) || !/[a-z]/.test(w) || !/[^A-Za-z]/.test(w)) return false;
    let changes = 0;
    for (let i = 1; i < w.length; i++)
      if (charClass(w[i] as string) !== charClass(w[i - 1] as string)) changes += 1;
    return changes / (w.length - 1) >= 0.4;
  });
}

/** No PEM block and no generated password anywhere (resources, user-data, outputs, variables). */
export function noSecretMaterial(doc: unknown): Violation[] {
  const v: Violation[] = [];
  for (const [where, text] of textsOf(doc)) {
    if (/-----BEGIN [A-Z ]+-----/.test(text)) v.push({ rule: 'no-pem', where, detail: 'PEM block' });
    for (const w of secretLikeWords(text))
      v.push({ rule: 'no-password', where, detail: `secret-like value ${w.slice(0, 4)}...` });
  }
  return v;
}

const SECRET_VALUE_TYPES = new Set([
  'aws_ssm_parameter',
  'random_password',
  'random_string',
  'tls_private_key',
  'aws_iam_access_key',
]);

const SECRET_VERSION = 'aws_secretsmanager_secret_version';
const present = (v: unknown) => v !== undefined && v !== null;

/**
 * Terraform never holds a secret value: no parameters, generated passwords or keys, and a secret version
 * only through the write-only `secret_string_wo` (sent to AWS, never stored), never `secret_string` or
 * `secret_binary` (stored in the plan and the state).
 */
export function noSecretValueResources(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  for (const r of resources) {
    if (SECRET_VALUE_TYPES.has(r.type))
      v.push({
        rule: 'no-secret-values',
        where: r.address,
        detail: `${r.type} would put a secret value into state`,
      });
    if (r.type === SECRET_VERSION) {
      for (const key of ['secret_string', 'secret_binary'])
        if (present(r.values[key]))
          v.push({
            rule: 'no-secret-values',
            where: r.address,
            detail: `${key} would put the secret value into the plan and state; use secret_string_wo`,
          });
    }
  }
  return v;
}

/** `${var.NAME}` exactly: the whole value is one input variable. */
const VARIABLE_REF = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/;

/**
 * Synthesized JSON: every secret version takes its write-only value from exactly one input variable, and
 * that variable is `ephemeral` (never saved in a plan file or state), `sensitive` (never printed) and has no
 * default (the value comes from the environment at run time, not from the stack).
 */
export function secretInputsEphemeral(doc: Json): Violation[] {
  const v: Violation[] = [];
  const variables = (doc.variable ?? {}) as Record<string, Json>;
  const versions = ((doc.resource ?? {}) as Record<string, Record<string, Json>>)[SECRET_VERSION] ?? {};
  for (const [name, values] of Object.entries(versions)) {
    const where = `${SECRET_VERSION}.${name}`;
    const ref =
      typeof values.secret_string_wo === 'string' ? VARIABLE_REF.exec(values.secret_string_wo) : null;
    if (!ref) {
      v.push({
        rule: 'ephemeral-secret-inputs',
        where,
        detail: 'secret_string_wo is not one input variable',
      });
      continue;
    }
    const variable = variables[ref[1] as string];
    const bad = (detail: string) =>
      v.push({ rule: 'ephemeral-secret-inputs', where: `variable.${ref[1]}`, detail });
    if (variable === undefined) bad('not declared');
    else {
      if (variable.ephemeral !== true) bad('not ephemeral: its value would be saved in the plan file');
      if (variable.sensitive !== true) bad('not sensitive: Terraform could print its value');
      if (variable.default !== undefined) bad('has a default: the value would be in the stack');
    }
  }
  return v;
}

/**
 * `terraform show -json` of a plan: the inputs of the secret versions are sensitive and their values are not
 * recorded (an ephemeral variable's value is never in `variables`), and no secret version is planned with a
 * stored value.
 */
export function planHoldsNoSecretInputs(plan: Json): Violation[] {
  const v: Violation[] = [];
  const root = ((plan.configuration as Json | undefined)?.root_module ?? {}) as Json;
  const declared = (root.variables ?? {}) as Record<string, Json>;
  const recorded = (plan.variables ?? {}) as Record<string, unknown>;
  for (const r of arr(root.resources)) {
    if (r.type !== SECRET_VERSION) continue;
    const where = String(r.address);
    const expression = ((r.expressions ?? {}) as Record<string, Json>).secret_string_wo;
    const vars = arr(expression?.references)
      .map(String)
      .filter((x) => x.startsWith('var.'))
      .map((x) => x.slice(4));
    if (vars.length === 0)
      v.push({
        rule: 'ephemeral-secret-inputs',
        where,
        detail: 'secret_string_wo is not from an input variable',
      });
    for (const name of vars) {
      if (recorded[name] !== undefined)
        v.push({
          rule: 'ephemeral-secret-inputs',
          where: `variable.${name}`,
          detail: 'value recorded in the plan',
        });
      if (declared[name]?.sensitive !== true)
        v.push({ rule: 'ephemeral-secret-inputs', where: `variable.${name}`, detail: 'not sensitive' });
    }
  }
  return v;
}

/** IMDSv2 required on every launch template and instance; no launch configurations. */
export function imdsv2Required(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  for (const r of resources) {
    if (r.type === 'aws_launch_configuration')
      v.push({ rule: 'imdsv2', where: r.address, detail: 'launch configuration' });
    if (r.type !== 'aws_launch_template' && r.type !== 'aws_instance') continue;
    const tokens = arr(r.values.metadata_options).map((m) => m.http_tokens);
    if (tokens.length !== 1 || tokens[0] !== 'required') {
      v.push({ rule: 'imdsv2', where: r.address, detail: `http_tokens ${JSON.stringify(tokens)}` });
    }
  }
  return v;
}

const truthy = (x: unknown) => x === true || x === 'true';

/** Every volume encrypted: EBS volumes, launch template mappings, instance root and extra volumes. */
export function volumesEncrypted(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  const bad = (r: ResourceView, what: string) =>
    v.push({ rule: 'encrypted-volumes', where: r.address, detail: what });
  for (const r of resources) {
    if (r.type === 'aws_ebs_volume' && !truthy(r.values.encrypted)) bad(r, 'volume not encrypted');
    if (r.type === 'aws_launch_template') {
      for (const m of arr(r.values.block_device_mappings)) {
        for (const ebs of arr(m.ebs))
          if (!truthy(ebs.encrypted)) bad(r, `mapping ${String(m.device_name)} not encrypted`);
      }
    }
    if (r.type === 'aws_instance') {
      const roots = arr(r.values.root_block_device);
      if (roots.length === 0 || !roots.every((d) => truthy(d.encrypted))) bad(r, 'root volume not encrypted');
      for (const d of arr(r.values.ebs_block_device))
        if (!truthy(d.encrypted)) bad(r, 'extra volume not encrypted');
    }
  }
  return v;
}

const OPEN = new Set(['0.0.0.0/0', '::/0']);

/** No ingress from 0.0.0.0/0 or ::/0, in any form a rule can take. */
export function noOpenIngress(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  const bad = (r: ResourceView, cidr: unknown) =>
    v.push({ rule: 'no-open-ingress', where: r.address, detail: String(cidr) });
  for (const r of resources) {
    if (r.type === 'aws_vpc_security_group_ingress_rule') {
      for (const c of [r.values.cidr_ipv4, r.values.cidr_ipv6]) if (OPEN.has(c as string)) bad(r, c);
    }
    if (r.type === 'aws_security_group') {
      for (const rule of arr(r.values.ingress)) {
        for (const c of [...list(rule.cidr_blocks), ...list(rule.ipv6_cidr_blocks)])
          if (OPEN.has(c as string)) bad(r, c);
      }
    }
    if (r.type === 'aws_security_group_rule' && r.values.type === 'ingress') {
      for (const c of [...list(r.values.cidr_blocks), ...list(r.values.ipv6_cidr_blocks)]) {
        if (OPEN.has(c as string)) bad(r, c);
      }
    }
  }
  return v;
}

/** Load balancers are internal; instances get no public address. */
export function nothingPublic(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  for (const r of resources) {
    if ((r.type === 'aws_lb' || r.type === 'aws_alb' || r.type === 'aws_elb') && r.values.internal !== true) {
      v.push({ rule: 'internal-lb', where: r.address, detail: `internal = ${String(r.values.internal)}` });
    }
    if (r.type === 'aws_instance' && r.values.associate_public_ip_address !== false) {
      v.push({ rule: 'no-public-ip', where: r.address, detail: 'associate_public_ip_address not false' });
    }
    if (r.type === 'aws_launch_template') {
      const nics = arr(r.values.network_interfaces);
      if (
        nics.length === 0 ||
        nics.some((n) => n.associate_public_ip_address !== 'false' && n.associate_public_ip_address !== false)
      ) {
        v.push({
          rule: 'no-public-ip',
          where: r.address,
          detail: 'network interface may get a public address',
        });
      }
    }
  }
  return v;
}

/**
 * IAM statements allowing Secrets Manager or KMS actions name specific resources: no `*` and no ARN
 * wildcard in the resource. Policies still unknown at plan time (they reference ARNs) are checked in the
 * synthesized document instead.
 */
export function secretIamScoped(resources: readonly ResourceView[]): Violation[] {
  const v: Violation[] = [];
  for (const r of resources) {
    if (
      !['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy'].includes(
        r.type,
      )
    )
      continue;
    if (typeof r.values.policy !== 'string') continue;
    const doc = JSON.parse(r.values.policy) as { Statement: Json[] };
    for (const s of arr(doc.Statement)) {
      if (s.Effect !== 'Allow') continue;
      const actions = arr(s.Action).map(String);
      const touchesSecrets = actions.some((a) => a === '*' || /^(secretsmanager|kms):/i.test(a));
      if (!touchesSecrets) continue;
      if (s.NotResource !== undefined)
        v.push({ rule: 'scoped-secret-iam', where: r.address, detail: 'NotResource' });
      for (const res of arr(s.Resource).map(String)) {
        if (res === '*' || res.replace(/\$\{[^}]*\}/g, '').includes('*')) {
          v.push({ rule: 'scoped-secret-iam', where: r.address, detail: `${actions.join(',')} on ${res}` });
        }
      }
    }
  }
  return v;
}

/** All resource rules. */
export function checkResources(resources: readonly ResourceView[]): Violation[] {
  return [
    ...noSecretValueResources(resources),
    ...imdsv2Required(resources),
    ...volumesEncrypted(resources),
    ...noOpenIngress(resources),
    ...nothingPublic(resources),
    ...secretIamScoped(resources),
  ];
}

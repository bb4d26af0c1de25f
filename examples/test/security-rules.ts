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

/** A `${type.name.attr}` reference (whole value or inside a string) to a resource: its address `type.name`. */
const REF = /\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}/;
const refOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? REF.exec(value)?.[1] : undefined;

const ADMIN_PORTS = new Map([
  [2379, 'etcd client port'],
  [8008, 'Patroni REST API'],
]);

/**
 * Issue 14, item 2: etcd's client port and Patroni's REST API admit CIDR blocks only from the configured admin
 * access (everything else reaches them by security group: the members, the nodes, the load balancer), and
 * every rule that says it is for admin access comes from exactly the configured CIDRs or security group.
 */
export function adminIngressOnlyFromAdmin(
  resources: readonly ResourceView[],
  admin: { readonly cidrs?: readonly string[]; readonly securityGroupId?: string },
): Violation[] {
  const v: Violation[] = [];
  const cidrs = new Set(admin.cidrs ?? []);
  for (const r of resources) {
    if (r.type !== 'aws_vpc_security_group_ingress_rule') continue;
    const cidr = r.values.cidr_ipv4 as string | undefined;
    const group = r.values.referenced_security_group_id as string | undefined;
    const port = ADMIN_PORTS.get(r.values.from_port as number);
    if (port !== undefined && cidr !== undefined && !cidrs.has(cidr))
      v.push({
        rule: 'admin-ingress',
        where: r.address,
        detail: `${port} open to ${cidr}, not an admin CIDR`,
      });
    if (/admin access/.test(String(r.values.description ?? ''))) {
      const ok =
        cidr !== undefined ? cidrs.has(cidr) : group !== undefined && group === admin.securityGroupId;
      if (!ok)
        v.push({
          rule: 'admin-ingress',
          where: r.address,
          detail: `admin rule from ${cidr ?? group}, not the configured admin access`,
        });
    }
  }
  return v;
}

/**
 * Synthesized JSON, issue 14 item 4: every instance and autoscaling group depends on the inline policy of its
 * instance role, and on the version of every secret that policy lets it read, so that no first boot runs
 * before what it reads exists (the boot would only retry until then).
 */
export function instancesDependOnSecrets(doc: Json): Violation[] {
  const v: Violation[] = [];
  const res = (doc.resource ?? {}) as Record<string, Record<string, Json>>;
  const all = Object.entries(res).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, values]) => ({ address: `${type}.${name}`, type, values })),
  );
  const byAddress = new Map(all.map((r) => [r.address, r]));
  const policiesOfRole = (role: string) =>
    all.filter((r) => r.type === 'aws_iam_role_policy' && refOf(r.values.role) === role);
  const versionsOfSecret = (secret: string) =>
    all.filter((r) => r.type === 'aws_secretsmanager_secret_version' && refOf(r.values.secret_id) === secret);
  for (const r of all) {
    let profileRef: string | undefined;
    if (r.type === 'aws_instance') profileRef = refOf(r.values.iam_instance_profile);
    else if (r.type === 'aws_autoscaling_group') {
      const template = byAddress.get(refOf(arr(r.values.launch_template)[0]?.id) ?? '');
      profileRef = refOf(arr(template?.values.iam_instance_profile)[0]?.arn);
    } else continue;
    const bad = (detail: string) => v.push({ rule: 'boot-dependencies', where: r.address, detail });
    const role = refOf(byAddress.get(profileRef ?? '')?.values.role);
    if (role === undefined) {
      bad('no instance profile with a role found');
      continue;
    }
    const dependsOn = new Set(list(r.values.depends_on).map(String));
    for (const policy of policiesOfRole(role)) {
      if (!dependsOn.has(policy.address)) bad(`does not depend on ${policy.address}`);
      const statements = arr((JSON.parse(String(policy.values.policy)) as Json).Statement);
      const secrets = statements
        .filter((s) => list(s.Action).includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => list(s.Resource).map(refOf))
        .filter((x): x is string => x !== undefined);
      for (const version of secrets.flatMap(versionsOfSecret))
        if (!dependsOn.has(version.address)) bad(`does not depend on ${version.address}`);
    }
  }
  return v;
}

/** pg_hba lines (`host`/`hostssl` db user address method) of every Patroni config in the user-data locals. */
function pgHbaOf(doc: Json, parseYaml: (text: string) => unknown): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const [name, text] of Object.entries((doc.locals ?? {}) as Record<string, unknown>)) {
    if (typeof text !== 'string' || !text.startsWith('#cloud-config')) continue;
    const files = arr((parseYaml(text) as Json).write_files);
    const patroni = files.find((f) => f.path === '/etc/pgha/patroni.yml');
    if (patroni === undefined) continue;
    const config = parseYaml(String(patroni.content)) as { postgresql?: { pg_hba?: string[] } };
    out.push([`locals.${name}`, config.postgresql?.pg_hba ?? []]);
  }
  return out;
}

function ipv4(value: string): number {
  return value.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** True when CIDR `outer` contains CIDR `inner`. */
function covers(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/') as [string, string];
  const [iIp, iBits] = inner.split('/') as [string, string];
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(oIp) || Number(iBits) < Number(oBits)) return false;
  const size = 2 ** (32 - Number(oBits));
  return Math.floor(ipv4(oIp) / size) === Math.floor(ipv4(iIp) / size);
}

/**
 * Issue 14 item 9: in every Patroni node's pg_hba, the first line a superuser login from the VPC (any address
 * of `vpcCidr`) would match is a `reject`: the VPC-wide client line admits application roles, never the
 * superuser. `parseYaml` is the YAML 1.1 reader (the rules module has no dependencies of its own).
 */
export function noSuperuserFromVpc(
  doc: Json,
  vpcCidr: string,
  parseYaml: (text: string) => unknown,
  superuser = 'postgres',
): Violation[] {
  const v: Violation[] = [];
  const configs = pgHbaOf(doc, parseYaml);
  if (configs.length === 0)
    v.push({ rule: 'superuser-hba', where: 'locals', detail: 'no Patroni pg_hba found' });
  for (const [where, lines] of configs) {
    const first = lines
      .map((l) => l.trim().split(/\s+/))
      .find(
        ([type, , user, address]) =>
          (type === 'host' || type === 'hostssl') &&
          (user === 'all' || user === superuser) &&
          (address === 'all' || (address !== undefined && covers(address, vpcCidr))),
      );
    if (first === undefined || first[4] !== 'reject')
      v.push({
        rule: 'superuser-hba',
        where,
        detail: `the superuser may log in from ${vpcCidr}: ${first?.join(' ') ?? 'no line'}`,
      });
  }
  return v;
}

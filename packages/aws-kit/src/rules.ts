import type { Problem } from '@pgha/userdata';
import { Token } from 'cdktf';
import { isSecurityGroupId, SECURITY_GROUP_ID_RULE } from './aws-ids.js';
import type { ClientSource } from './types.js';

/**
 * One broken rule, in the one shape every pgha package reports: the prop's path, the value given and the
 * message (what is wrong and what is allowed, usually "use <rule>"). It is `@pgha/userdata`'s `Problem`.
 */
export type { Problem };

/** A {@link Problem}: `path`, the `value` given, and `message` (what is allowed, or how to fix it). */
export function problem(path: string, value: unknown, message: string): Problem {
  return { path, value, message };
}

/** One validation rule: returns a {@link Problem}, several, or undefined when it holds. */
export type Rule<P> = (props: P) => Problem | readonly Problem[] | undefined;

/** Runs every rule and returns all problems (not only the first), in rule order. */
export function collectProblems<P>(props: P, rules: readonly Rule<P>[]): Problem[] {
  const problems: Problem[] = [];
  for (const rule of rules) {
    const found = rule(props);
    if (found === undefined) continue;
    if (isProblemList(found)) problems.push(...found);
    else problems.push(found);
  }
  return problems;
}

function isProblemList(found: Problem | readonly Problem[]): found is readonly Problem[] {
  return Array.isArray(found);
}

/** A problem as the constructs print it: `path: got <value>; message`. */
export function problemLine(p: Problem): string {
  return `${p.path}: got ${show(p.value)}; ${p.message}`;
}

/** The message of the one error that lists every broken rule: `<path>: N invalid prop(s):` and a line each. */
export function invalidPropsMessage(path: string, problems: readonly Problem[]): string {
  return `${path}: ${problems.length} invalid prop(s):\n  - ${problems.map(problemLine).join('\n  - ')}`;
}

/** True when the value is (or contains) an unresolved cdktf token; such values are not validated. */
export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string') return Token.isUnresolved(value);
  if (typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value);
  return false;
}

/** Renders a value the user gave, for an error message: JSON, cut at 80 characters. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** True for a syntactically valid IPv4 CIDR block. */
export function isIpv4Cidr(value: string): boolean {
  const m = IPV4_CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  return octets.every((o) => o >= 0 && o <= 255) && bits >= 0 && bits <= 32;
}

/** What {@link isIpv4Network} accepts, in words: the one CIDR rule of the AWS config and the constructs. */
export const IPV4_NETWORK_RULE = 'an IPv4 CIDR with the host bits zero, like "10.0.0.0/16"';

/**
 * True for an IPv4 CIDR whose host bits are zero (`10.20.0.0/16`, not `10.20.0.1/16`): what security group
 * rules take (the AWS provider refuses the other at plan).
 */
export function isIpv4Network(value: unknown): value is string {
  if (typeof value !== 'string' || !isIpv4Cidr(value)) return false;
  const [ip, bits] = value.split('/') as [string, string];
  return ipv4ToInt(ip) % 2 ** (32 - Number(bits)) === 0;
}

/** The VPC sizes AWS allows: /16 to /28. */
export const VPC_CIDR_RULE = `the VPC's IPv4 CIDR block, /16 to /28 with the host bits zero, like "10.20.0.0/16"`;

/** True for a VPC's CIDR block: {@link isIpv4Network}, /16 to /28. */
export function isVpcCidr(value: unknown): value is string {
  if (!isIpv4Network(value)) return false;
  const bits = Number(value.split('/')[1]);
  return bits >= 16 && bits <= 28;
}

/** What {@link isInstanceType} accepts, in words (callers add an example). */
export const INSTANCE_TYPE_RULE = 'an EC2 instance type, family.size';

/** True for an EC2 instance type: `t3.medium`, `m7g.xlarge`, `u-6tb1.metal`. */
export function isInstanceType(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value);
}

/** True for CIDR blocks that open a port to the whole internet. */
export function isAnyAddress(value: string): boolean {
  return /\/0$/.test(value.trim());
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** True when CIDR `outer` contains CIDR `inner` (both valid IPv4 CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/') as [string, string];
  const [iIp, iBits] = inner.split('/') as [string, string];
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const size = 2 ** (32 - ob);
  return Math.floor(ipv4ToInt(oIp) / size) === Math.floor(ipv4ToInt(iIp) / size);
}

const DNS_LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';

/**
 * True for a lowercase DNS name without a trailing dot, at most `maxLength` characters (253 is DNS's own
 * limit; a construct that builds longer names from it passes less).
 */
export function isDnsName(value: unknown, maxLength = 253): value is string {
  return (
    typeof value === 'string' &&
    new RegExp(`^(?=.{1,${maxLength}}$)(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(value)
  );
}

/** A problem when `value` is not a whole number in `min..max`; unset values and tokens pass. */
export function intInRangeProblem(
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
): Problem | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    return problem(prop, value, `use a whole number from ${min} to ${max}`);
  }
  return undefined;
}

/**
 * A problem when `value` fails `ok` (one of the field rules: `isVpcId`, `isSubnetId`, ...): the prop, the
 * value given and `use <rule>`. Unset values (unless `required`) and tokens pass.
 */
export function fieldProblem(
  prop: string,
  value: unknown,
  ok: (value: unknown) => boolean,
  rule: string,
  required = false,
): Problem | undefined {
  if ((value === undefined && !required) || isUnresolved(value)) return undefined;
  return ok(value) ? undefined : problem(prop, value, `use ${rule}`);
}

/**
 * A problem when `cidr` is not an IPv4 network ({@link isIpv4Network}), or is one that admits every address (`.../0`); then the
 * message ends with `openFix` (what must not be open, and what to give instead). Tokens pass.
 */
export function cidrProblem(prop: string, cidr: unknown, openFix: string): Problem | undefined {
  if (isUnresolved(cidr)) return undefined;
  if (!isIpv4Network(cidr)) return problem(prop, cidr, `use ${IPV4_NETWORK_RULE}`);
  if (isAnyAddress(cidr)) return problem(prop, cidr, `${openFix}`);
  return undefined;
}

/** {@link cidrProblem} for each entry of a list, named `prop[i]`. */
export function cidrListProblems(
  prop: string,
  cidrs: readonly string[] | undefined,
  openFix: string,
): Problem[] {
  return (cidrs ?? [])
    .map((cidr, i) => cidrProblem(`${prop}[${i}]`, cidr, openFix))
    .filter((x): x is Problem => x !== undefined);
}

/** A problem for a bad {@link ClientSource}: a CIDR as {@link cidrProblem} checks it, or a security group id. */
export function clientSourceProblem(
  prop: string,
  source: ClientSource,
  openFix: string,
): Problem | undefined {
  if ('cidr' in source) return cidrProblem(prop, source.cidr, openFix);
  if (!('securityGroupId' in source) || typeof source.securityGroupId !== 'string') {
    return problem(prop, source, `give { cidr: "10.0.0.0/16" } or { securityGroupId: "sg-..." }`);
  }
  return fieldProblem(prop, source.securityGroupId, isSecurityGroupId, SECURITY_GROUP_ID_RULE);
}

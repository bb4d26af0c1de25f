import { isIP } from 'node:net';
import type { PkiProblem } from '../errors.js';

/** A subject alternative name, its type chosen from the value. */
export type SubjectAltName =
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'dns'; readonly value: string };

const DNS_FIX = 'use a host name such as etcd-1.db.internal (or an IP address)';
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Canonical text of an IP address (IPv6 compressed, lower case), or undefined when it is not one. */
export function canonicalIp(value: string): string | undefined {
  if (value.includes('%')) return undefined; // zone ids cannot go into a certificate
  const family = isIP(value);
  if (family === 4) return value;
  if (family === 6) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return undefined;
}

/** Why `value` is not a DNS name usable as a SAN, or undefined when it is one. */
export function dnsNameProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > 253) return `is ${value.length} characters long (at most 253)`;
  const labels = value.split('.');
  for (const [i, label] of labels.entries()) {
    if (i === 0 && label === '*' && labels.length > 2) continue; // a leftmost wildcard label
    if (!LABEL.test(label)) {
      return `has the label "${label}"; labels are 1-63 letters, digits or hyphens, not starting or ending with a hyphen`;
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    return 'ends in an all-numeric label, so it is neither a DNS name nor a valid IP address';
  }
  return undefined;
}

/** Classifies a SAN value: an IP address when it parses as one, otherwise a DNS name (validated). */
export function classifySubjectAltName(
  value: unknown,
  path: string,
  issues: PkiProblem[],
): SubjectAltName | undefined {
  if (typeof value !== 'string') {
    issues.push({ code: 'INVALID_VALUE', path, value, message: `${show(value)} is not a string` });
    return undefined;
  }
  const ip = canonicalIp(value);
  if (ip !== undefined) return { type: 'ip', value: ip };
  const problem = dnsNameProblem(value);
  if (problem !== undefined) {
    issues.push({
      code: looksLikeIp(value) ? 'INVALID_IP_ADDRESS' : 'INVALID_DNS_NAME',
      path,
      value,
      message: looksLikeIp(value)
        ? `"${value}" is not a valid IPv4 or IPv6 address; use a literal such as 127.0.0.1 or ::1 (no zone id)`
        : `"${value}" is not a valid DNS name: it ${problem}; ${DNS_FIX}`,
    });
    return undefined;
  }
  return { type: 'dns', value: value.toLowerCase() };
}

/** Validates an IP address given where only IP addresses are allowed. */
export function checkIpAddress(value: unknown, path: string, issues: PkiProblem[]): string | undefined {
  const ip = typeof value === 'string' ? canonicalIp(value) : undefined;
  if (ip === undefined) {
    issues.push({
      code: 'INVALID_IP_ADDRESS',
      path,
      value,
      message: `${show(value)} is not a valid IPv4 or IPv6 address; use a literal such as 127.0.10.1 or ::1 (no zone id)`,
    });
  }
  return ip;
}

/** Validates a DNS name given where only DNS names are allowed. */
export function checkDnsName(value: unknown, path: string, issues: PkiProblem[]): string | undefined {
  if (typeof value !== 'string') {
    issues.push({
      code: 'INVALID_DNS_NAME',
      path,
      value,
      message: `${show(value)} is not a DNS name (a string); ${DNS_FIX}`,
    });
    return undefined;
  }
  if (canonicalIp(value) !== undefined) {
    issues.push({
      code: 'INVALID_DNS_NAME',
      path,
      value,
      message: `"${value}" is an IP address, not a DNS name; list it under ipAddresses instead`,
    });
    return undefined;
  }
  const problem = dnsNameProblem(value);
  if (problem !== undefined) {
    issues.push({
      code: 'INVALID_DNS_NAME',
      path,
      value,
      message: `"${value}" is not a valid DNS name: it ${problem}; ${DNS_FIX}`,
    });
    return undefined;
  }
  return value.toLowerCase();
}

/** Validates a node or client name (it becomes a file name and the certificate's common name). */
export function checkName(value: unknown, path: string, issues: PkiProblem[]): string | undefined {
  if (typeof value === 'string' && NAME.test(value)) return value;
  issues.push({
    code: 'INVALID_NAME',
    path,
    value,
    message:
      `${show(value)} is not a valid name; use 1-63 letters, digits or hyphens, starting and ending with a ` +
      'letter or digit (for example "etcd-1"); the name becomes a file name and the certificate common name',
  });
  return undefined;
}

/** Validates a validity period in whole days (> 0). */
export function checkDays(
  value: unknown,
  path: string,
  issues: PkiProblem[],
  max = 36_500,
): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max) return value;
  issues.push({
    code: 'INVALID_VALIDITY',
    path,
    value,
    message: `${show(value)} is not a valid number of days; use a whole number from 1 to ${max}`,
  });
  return undefined;
}

function looksLikeIp(value: string): boolean {
  return /^[0-9.]+$/.test(value) || (value.includes(':') && /^[0-9a-f:.%a-z]+$/i.test(value));
}

export function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

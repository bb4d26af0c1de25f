import type { Problem } from '@pgha/userdata';
import { RESERVED_TAG_PREFIX } from './tags.js';

/**
 * The one rule per AWS id field (VPC, subnet, AMI, security group, hosted zone, KMS key, region, zone, tags,
 * volume sizes, health checks): the AWS config reader and the constructs both ask these, so a bad value gets
 * one answer everywhere. Each rule is the format AWS itself enforces or documents:
 * - EC2 ids: a type prefix, "-" and 8 or 17 lowercase hexadecimal characters (EC2 User Guide, "Resource IDs":
 *   8 before 2016, 17 since; EC2 refuses others as `Invalid<Type>ID.Malformed`).
 * - Route 53 hosted zone id: the API's `ResourceId`, at most 32 characters ("Z" and upper-case letters and
 *   digits). The provider strips a leading `/hostedzone/`; we refuse it, since IAM ARNs are built from the id.
 * - KMS: a key ARN `arn:<partition>:kms:<region>:<account>:key/<key id>`, the key id a UUID or `mrk-` and 32
 *   hex digits (KMS API). The AWS provider's `aws_ebs_volume.kms_key_id` and the launch template's take an
 *   ARN only (`verify.ValidARN`), and IAM policies name the key by ARN: an id or alias is refused.
 * - Region: the KMS/EC2 API pattern `^([a-z]+-){2,3}\d+$`; an availability zone is a region and one letter.
 * - Tags: keys 1 to 128 characters, values at most 256, no `aws:` prefix (reserved by AWS); `pgha:` is ours.
 * - gp3 volumes 1 to 16384 GiB; NLB target group health checks every 5 to 300 s, thresholds 2 to 10.
 */

/** True for an EC2 resource id with this prefix (`vpc`, `subnet`, `ami`, `sg`): 8 or 17 lowercase hex. */
export function isEc2Id(prefix: string, value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(value);
}

const ec2IdRule = (what: string, example: string) =>
  `${what}: "${example.split('-')[0]}-" and 8 or 17 lowercase hex digits, like "${example}"`;

/** What {@link isVpcId} accepts, in words. */
export const VPC_ID_RULE = ec2IdRule('a VPC id', 'vpc-0123456789abcdef0');
/** True for a VPC id (`vpc-0123456789abcdef0`). */
export const isVpcId = (value: unknown): value is string => isEc2Id('vpc', value);

/** What {@link isSubnetId} accepts, in words. */
export const SUBNET_ID_RULE = ec2IdRule('a subnet id', 'subnet-0123456789abcdef0');
/** True for a subnet id (`subnet-0123456789abcdef0`). */
export const isSubnetId = (value: unknown): value is string => isEc2Id('subnet', value);

/** What {@link isAmiId} accepts, in words. */
export const AMI_ID_RULE = ec2IdRule('an AMI id', 'ami-0123456789abcdef0');
/** True for an AMI id (`ami-0123456789abcdef0`). */
export const isAmiId = (value: unknown): value is string => isEc2Id('ami', value);

/** What {@link isSecurityGroupId} accepts, in words. */
export const SECURITY_GROUP_ID_RULE = ec2IdRule('a security group id', 'sg-0123456789abcdef0');
/** True for a security group id (`sg-0123456789abcdef0`). */
export const isSecurityGroupId = (value: unknown): value is string => isEc2Id('sg', value);

/** What {@link isHostedZoneId} accepts, in words. */
export const HOSTED_ZONE_ID_RULE =
  'a Route 53 hosted zone id: "Z" and up to 31 upper-case letters or digits, like "Z0123456789ABCDEFGHIJ"';
/** True for a Route 53 hosted zone id, without the `/hostedzone/` prefix. */
export function isHostedZoneId(value: unknown): value is string {
  return typeof value === 'string' && /^Z[A-Z0-9]{1,31}$/.test(value);
}

const REGION = '([a-z]+-){2,3}\\d+';

/** What {@link isRegion} accepts, in words. */
export const REGION_RULE = 'an AWS region code, like "eu-west-1"';
/** True for an AWS region code (`eu-west-1`, `us-gov-west-1`, `cn-north-1`). */
export function isRegion(value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^${REGION}$`).test(value);
}

/** What {@link isAvailabilityZone} accepts, in words (`region` given: inside it). */
export function availabilityZoneRule(region?: string): string {
  return region === undefined
    ? 'an availability zone: the region code and a letter, like "eu-west-1a"'
    : `an availability zone of ${region}: "${region}a", "${region}b", ...`;
}
/** True for an availability zone name (`eu-west-1a`), inside `region` when it is given. */
export function isAvailabilityZone(value: unknown, region?: string): value is string {
  if (typeof value !== 'string') return false;
  if (region !== undefined)
    return value.length === region.length + 1 && value.startsWith(region) && /[a-z]$/.test(value);
  return new RegExp(`^${REGION}[a-z]$`).test(value);
}

const KEY_ID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';

/** What {@link isKmsKeyArn} accepts, in words. */
export const KMS_KEY_ARN_RULE =
  'a KMS key ARN (not a key id or alias), like "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"';
/** True for a KMS key ARN whose key id is a UUID or a multi-Region `mrk-` id. */
export function isKmsKeyArn(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    new RegExp(`^arn:aws(-[a-z]+)*:kms:${REGION}:\\d{12}:key/${KEY_ID}$`).test(value)
  );
}

/** What {@link tagProblem} accepts, in words. */
export const TAG_RULE = `keys of 1 to 128 characters not starting with "aws:" or "${RESERVED_TAG_PREFIX}" (reserved), string values of at most 256`;

/** True for a tag AWS and pgha accept: {@link TAG_RULE}. */
export function isTag(key: string, value: unknown): boolean {
  return (
    typeof value === 'string' &&
    key.length >= 1 &&
    key.length <= 128 &&
    value.length <= 256 &&
    !key.startsWith('aws:') &&
    !key.startsWith(RESERVED_TAG_PREFIX)
  );
}

/** A problem for one tag (`prop.key`), or undefined when {@link isTag}. */
export function tagProblem(prop: string, key: string, value: unknown): Problem | undefined {
  return isTag(key, value) ? undefined : { path: `${prop}.${key}`, value, message: `use ${TAG_RULE}` };
}

/** A whole-number range a field must be in. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** gp3 volume sizes (data volumes). */
export const DATA_VOLUME_GIB: IntRange = { min: 1, max: 16384 };
/** Root volumes: at least the 8 GiB a Debian AMI's snapshot has. */
export const ROOT_VOLUME_GIB: IntRange = { min: 8, max: 16384 };
/** NLB target group health check interval. */
export const HEALTH_CHECK_INTERVAL_SECONDS: IntRange = { min: 5, max: 300 };
/** NLB target group healthy and unhealthy threshold counts. */
export const HEALTH_CHECK_THRESHOLD_COUNT: IntRange = { min: 2, max: 10 };

/** True for a whole number in `range`. */
export function isIntIn(value: unknown, range: IntRange): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** A range in words: "a whole number from 1 to 16384". */
export function intRangeRule(range: IntRange): string {
  return `a whole number from ${range.min} to ${range.max}`;
}

import { describe, expect, test } from 'vitest';
import * as ids from './aws-ids.js';

// Each rule is the format AWS enforces or documents (see aws-ids.ts for the sources).
describe('AWS id rules', () => {
  test.each([
    ['vpc-0123456789abcdef0', true],
    ['vpc-0123abcd', true],
    ['vpc-0123456789ABCDEF0', false], // EC2 ids are lower-case
    ['vpc-0123', false], // neither 8 nor 17
    ['vpc-0123456789abcdef', false], // 16
    ['vpc-xyz00000', false], // not hex
    ['subnet-0123456789abcdef0', false], // another type's prefix
    [' vpc-0123abcd', false],
    [42, false],
  ])('isVpcId(%j) is %s', (value, valid) => {
    expect(ids.isVpcId(value)).toBe(valid);
  });

  test('each EC2 id rule takes its own prefix only', () => {
    const hex = '0123456789abcdef0';
    expect([
      ids.isSubnetId(`subnet-${hex}`),
      ids.isAmiId(`ami-${hex}`),
      ids.isSecurityGroupId(`sg-${hex}`),
      ids.isSecurityGroupId(`sg-0admin00`),
      ids.isAmiId(`vpc-${hex}`),
    ]).toEqual([true, true, true, false, false]);
  });

  test.each([
    ['Z0123456789ABCDEFGHIJ', true],
    ['Z1D633PJN98FT9', true],
    [`Z${'A'.repeat(31)}`, true],
    [`Z${'A'.repeat(32)}`, false], // the API's ResourceId: at most 32
    ['/hostedzone/Z1D633PJN98FT9', false], // IAM ARNs are built from the bare id
    ['z1d633pjn98ft9', false],
    ['Z', false],
  ])('isHostedZoneId(%j) is %s', (value, valid) => {
    expect(ids.isHostedZoneId(value)).toBe(valid);
  });

  test.each([
    ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ['arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', true],
    ['arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ['arn:aws:kms:eu-west-1:123456789012:alias/pgha', false], // an alias: EBS takes a key ARN only
    ['1234abcd-12ab-34cd-56ef-1234567890ab', false], // a key id: IAM policies need the ARN
    ['arn:aws:kms:eu-west-1:123456789012:key/whatever', false],
    ['arn:aws:kms:eu-west-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab', false],
  ])('isKmsKeyArn(%j) is %s', (value, valid) => {
    expect(ids.isKmsKeyArn(value)).toBe(valid);
  });

  test.each([
    ['eu-west-1', true],
    ['us-gov-west-1', true],
    ['cn-north-1', true],
    ['us-isob-east-1', true],
    ['eu-west', false],
    ['EU-WEST-1', false],
    ['eu-west-1a', false],
  ])('isRegion(%j) is %s', (value, valid) => {
    expect(ids.isRegion(value)).toBe(valid);
  });

  test('availability zones: a region and a letter; inside the region when it is given', () => {
    expect([
      ids.isAvailabilityZone('eu-west-1a'),
      ids.isAvailabilityZone('eu-west-1'),
      ids.isAvailabilityZone(''),
      ids.isAvailabilityZone('eu-west-1a', 'eu-west-1'),
      ids.isAvailabilityZone('eu-west-2a', 'eu-west-1'),
      ids.isAvailabilityZone('eu-west-1ab', 'eu-west-1'),
    ]).toEqual([true, false, false, true, false, false]);
    expect(ids.availabilityZoneRule('eu-west-1')).toContain('"eu-west-1a"');
  });

  test('tags: AWS key and value lengths, no aws: or pgha: keys', () => {
    expect(ids.tagProblem('tags', 'team', 'data')).toBeUndefined();
    expect(ids.tagProblem('tags', 'k'.repeat(128), 'v'.repeat(256))).toBeUndefined();
    for (const [key, value] of [
      ['k'.repeat(129), 'v'],
      ['team', 'v'.repeat(257)],
      ['aws:owner', 'me'],
      ['pgha:cluster', 'x'],
      ['', 'x'],
      ['team', 3],
    ] as const) {
      expect(ids.tagProblem('tags', key, value)).toEqual({
        path: `tags.${key}`,
        value,
        message: `use ${ids.TAG_RULE}`,
      });
    }
  });

  test('ranges', () => {
    expect([
      ids.isIntIn(1, ids.DATA_VOLUME_GIB),
      ids.isIntIn(0, ids.DATA_VOLUME_GIB),
      ids.isIntIn(7, ids.ROOT_VOLUME_GIB),
      ids.isIntIn(300, ids.HEALTH_CHECK_INTERVAL_SECONDS),
      ids.isIntIn(2.5, ids.HEALTH_CHECK_THRESHOLD_COUNT),
    ]).toEqual([true, false, false, true, false]);
    expect(ids.intRangeRule(ids.DATA_VOLUME_GIB)).toBe('a whole number from 1 to 16384');
  });
});

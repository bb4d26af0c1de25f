import { expect, test } from 'vitest';
import { awsConfigProblems, validateAwsConfig } from './config.js';
import { AwsDeployError, isAwsDeployError } from './errors.js';

test('a bad config: one CONFIG_INVALID error of kind usage, its problems the ones awsConfigProblems lists', () => {
  const raw = { clusterName: 'Main', region: 'eu-west-1' };
  let caught: unknown;
  try {
    validateAwsConfig(raw, 'cluster.json');
  } catch (error) {
    caught = error;
  }
  expect(isAwsDeployError(caught)).toBe(true);
  const error = caught as AwsDeployError;
  expect([error.code, error.kind]).toEqual(['CONFIG_INVALID', 'usage']);
  expect(error.problems).toEqual(awsConfigProblems(raw));
  expect(error.problems.length).toBeGreaterThan(3);
  expect(error.message).toMatch(
    /^invalid AWS config \(cluster\.json\), \d+ problems:\n {2}- clusterName: "Main"/,
  );
});

test('the guard goes by the shared brand and the name, not the class: another copy counts, a look-alike not', () => {
  const real = new AwsDeployError('TERRAFORM_FAILED', 'x', { reason: 'apply-failed', leftBehind: ['y'] });
  expect([real.kind, real.reason, real.leftBehind, real.problems]).toEqual([
    'external',
    'apply-failed',
    ['y'],
    [],
  ]);
  const copy = Object.defineProperty(
    Object.assign(new Error('x'), { name: 'AwsDeployError' }),
    Symbol.for('pgha.error'),
    {
      value: 'aws-deploy',
    },
  );
  expect(isAwsDeployError(copy)).toBe(true);
  expect(isAwsDeployError(Object.assign(new Error('x'), { name: 'AwsDeployError' }))).toBe(false);
  expect(isAwsDeployError(null)).toBe(false);
});

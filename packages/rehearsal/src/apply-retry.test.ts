import { AwsDeployError } from '@pgha/aws-deploy';
import { describe, expect, test } from 'vitest';
import { isEmulatorDuplicate } from './rehearse.js';

// What Terraform printed in CI when moto_server answered a repeated CreateInstanceProfile (2026-12-06).
const DUPLICATE =
  'terraform apply in /tmp/x/cdktf.out/stacks/ri exited with code 1:\n' +
  '    Error: creating IAM Instance Profile (pgha-ri-etcd-2-2026120602321088740000000b): operation error IAM: CreateInstanceProfile, https response error StatusCode: 409, RequestID: GJLL5J, EntityAlreadyExists: Instance Profile pgha-ri-etcd-2-20261206023210 already exists.';

describe('which failed apply the rehearsal applies again', () => {
  test('a 409 EntityAlreadyExists from the emulator: a request it had served, sent again', () => {
    expect(isEmulatorDuplicate(new AwsDeployError('TERRAFORM_FAILED', DUPLICATE))).toBe(true);
  });

  test('anything else fails the rehearsal as before: other errors, other codes, other error classes', () => {
    const other = DUPLICATE.replace('StatusCode: 409', 'StatusCode: 400').replace(
      'EntityAlreadyExists',
      'ValidationError',
    );
    expect(isEmulatorDuplicate(new AwsDeployError('TERRAFORM_FAILED', other))).toBe(false);
    expect(
      isEmulatorDuplicate(
        new AwsDeployError('TERRAFORM_FAILED', 'Error: EntityAlreadyExists: the stack names a profile twice'),
      ),
    ).toBe(false);
    expect(isEmulatorDuplicate(new Error(DUPLICATE))).toBe(false);
  });
});

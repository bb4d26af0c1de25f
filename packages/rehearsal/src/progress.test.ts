import { expect, test } from 'vitest';
import { applyProgress } from './progress.js';

test('the plan body is left out up to its Plan line; created resources are counted', () => {
  const out: string[] = [];
  const onLine = applyProgress(2, (l) => out.push(l));
  for (const line of [
    'Terraform used the selected providers to generate the following execution plan.',
    '  + resource "aws_kms_key" "k" {',
    '    }',
    'Plan: 2 to add, 0 to change, 0 to destroy.',
    'aws_kms_key.k: Creating...',
    'aws_kms_key.k: Creation complete after 9s [id=abc]',
    'aws_lb.l: Still creating... [10s elapsed]',
    'aws_lb.l: Creation complete after 1m1s [id=arn]',
    'Apply complete! Resources: 2 added, 0 changed, 0 destroyed.',
  ])
    onLine(line);
  expect(out).toEqual([
    'Plan: 2 to add, 0 to change, 0 to destroy.',
    'aws_kms_key.k: Creating...',
    '[1/2] aws_kms_key.k: Creation complete after 9s [id=abc]',
    'aws_lb.l: Still creating... [10s elapsed]',
    '[2/2] aws_lb.l: Creation complete after 1m1s [id=arn]',
    'Apply complete! Resources: 2 added, 0 changed, 0 destroyed.',
  ]);
});

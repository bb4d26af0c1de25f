import { expect, test } from 'vitest';
import { isRehearsalError } from './errors.js';
import { subnetCidrs } from './seed.js';

test.each([
  ['10.20.0.0/16', 3, ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24']],
  ['10.20.0.0/24', 3, ['10.20.0.0/26', '10.20.0.64/26', '10.20.0.128/26']],
  [
    '192.168.4.0/22',
    5,
    ['192.168.4.0/25', '192.168.4.128/25', '192.168.5.0/25', '192.168.5.128/25', '192.168.6.0/25'],
  ],
  ['10.0.0.0/26', 4, ['10.0.0.0/28', '10.0.0.16/28', '10.0.0.32/28', '10.0.0.48/28']],
])('subnets of %s for %i zones', (vpc, count, expected) => {
  expect(subnetCidrs(vpc, count)).toEqual(expected);
});

test('a VPC too small for one /28 per zone is a config error', () => {
  try {
    subnetCidrs('10.0.0.0/27', 3);
    expect.unreachable();
  } catch (error) {
    expect(isRehearsalError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('10.0.0.0/27 cannot hold 3 subnets');
  }
});

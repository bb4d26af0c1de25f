import { describe, expect, test } from 'vitest';
import { etcdFaultTolerance, placeMembers } from './placement.js';

describe('etcdFaultTolerance', () => {
  test.each([
    // members, zones, quorum, tolerated, maxPerZone, zone loss, zone + member loss
    [3, 3, 2, 1, 1, true, false],
    [3, 5, 2, 1, 1, true, false],
    [3, 2, 2, 1, 2, false, false],
    [5, 3, 3, 2, 2, true, false],
    [5, 4, 3, 2, 2, true, false],
    [5, 5, 3, 2, 1, true, true],
    [5, 1, 3, 2, 5, false, false],
  ])('%i members over %i zones', (members, zones, quorum, tolerated, maxPerZone, zoneLoss, zoneAndMember) => {
    expect(etcdFaultTolerance(members, zones)).toEqual({
      members,
      quorum,
      toleratedFailures: tolerated,
      zones: Math.min(zones, members),
      maxMembersPerZone: maxPerZone,
      survivesZoneLoss: zoneLoss,
      survivesZoneAndMemberLoss: zoneAndMember,
    });
  });
});

describe('placeMembers', () => {
  const subnets = ['a', 'b', 'c'].map((z) => ({
    subnetId: `subnet-${z}`,
    availabilityZone: `eu-west-1${z}`,
  }));

  test('round-robin over the subnets in the order given', () => {
    expect(placeMembers(5, subnets).map((s) => s.availabilityZone)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
      'eu-west-1a',
      'eu-west-1b',
    ]);
  });

  test('the placement matches the arithmetic: no zone holds more than ceil(n / zones)', () => {
    const counts = new Map<string, number>();
    for (const s of placeMembers(5, subnets))
      counts.set(s.availabilityZone, (counts.get(s.availabilityZone) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(etcdFaultTolerance(5, 3).maxMembersPerZone);
  });
});

import type { SubnetPlacement } from './props.js';

/** Quorum arithmetic for a member count spread over availability zones. */
export interface EtcdFaultTolerance {
  /** Members in the cluster. */
  readonly members: number;
  /** Members needed for a quorum: floor(members / 2) + 1. */
  readonly quorum: number;
  /** Members that may fail with the cluster still writable: members - quorum. */
  readonly toleratedFailures: number;
  /** Availability zones used. */
  readonly zones: number;
  /** Most members placed in one zone: ceil(members / zones) with round-robin placement. */
  readonly maxMembersPerZone: number;
  /** Any one zone may fail: maxMembersPerZone <= toleratedFailures. */
  readonly survivesZoneLoss: boolean;
  /** Any one zone AND any one further member may fail: maxMembersPerZone + 1 <= toleratedFailures. */
  readonly survivesZoneAndMemberLoss: boolean;
}

/**
 * The quorum arithmetic behind the placement rule. Members go round-robin over the zones, so the largest
 * zone holds ceil(n / z) members. A quorum needs floor(n / 2) + 1, so n - quorum members may fail.
 *
 * - 3 members over 3 zones (1/1/1): quorum 2, tolerates 1. Any zone may fail; nothing more.
 * - 5 members over 3 zones (2/2/1): quorum 3, tolerates 2. Any zone (at worst 2 members) may fail, OR any
 *   two members. Losing a 2-member zone plus one more member leaves 2 of 5: no quorum. "One zone plus one
 *   node" holds only if the failed zone is the 1-member zone.
 * - 5 members over 5 zones (1/1/1/1/1): any zone plus any one further member may fail (2 lost, 3 left).
 * - 5 members over 4 zones (2/1/1/1): same guarantees as over 3 zones.
 */
export function etcdFaultTolerance(members: number, zones: number): EtcdFaultTolerance {
  const quorum = Math.floor(members / 2) + 1;
  const toleratedFailures = members - quorum;
  const used = Math.max(1, Math.min(zones, members));
  const maxMembersPerZone = Math.ceil(members / used);
  return {
    members,
    quorum,
    toleratedFailures,
    zones: used,
    maxMembersPerZone,
    survivesZoneLoss: used > 1 && maxMembersPerZone <= toleratedFailures,
    survivesZoneAndMemberLoss: used > 1 && maxMembersPerZone + 1 <= toleratedFailures,
  };
}

/** Round-robin placement: member i (0-based) goes to subnets[i % subnets.length]. */
export function placeMembers(memberCount: number, subnets: readonly SubnetPlacement[]): SubnetPlacement[] {
  const placed: SubnetPlacement[] = [];
  for (let i = 0; i < memberCount; i++) {
    const subnet = subnets[i % subnets.length];
    if (subnet === undefined) throw new Error('placeMembers: no subnets');
    placed.push(subnet);
  }
  return placed;
}

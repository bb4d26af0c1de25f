import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { Construct } from 'constructs';
import type { ClientSource, SubnetPlacement } from './types.js';

/** Options of {@link addTcpIngress}. */
export interface TcpIngressOptions {
  /** The security group the rule belongs to. */
  readonly securityGroupId: string;
  /** The one TCP port it opens. */
  readonly port: number;
  /** Who may connect. */
  readonly from: ClientSource;
  /** What the traffic is. */
  readonly description: string;
}

/** An ingress rule for one TCP port from a CIDR block or a security group. */
export function addTcpIngress(
  scope: Construct,
  id: string,
  o: TcpIngressOptions,
): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, id, {
    securityGroupId: o.securityGroupId,
    ipProtocol: 'tcp',
    fromPort: o.port,
    toPort: o.port,
    description: o.description,
    ...('cidr' in o.from ? { cidrIpv4: o.from.cidr } : { referencedSecurityGroupId: o.from.securityGroupId }),
  });
}

/**
 * Egress to the internet on 443 (what the instances reach there, as `httpsDescription`: the AWS APIs they call,
 * package mirrors) and 80 (Debian mirrors: apt over HTTP, packages signed). Construct ids under `scope`:
 * `egress-https`, `egress-http`.
 */
export function addWebEgress(scope: Construct, securityGroupId: string, httpsDescription: string): void {
  new VpcSecurityGroupEgressRule(scope, 'egress-https', {
    securityGroupId,
    ipProtocol: 'tcp',
    fromPort: 443,
    toPort: 443,
    cidrIpv4: '0.0.0.0/0',
    description: httpsDescription,
  });
  new VpcSecurityGroupEgressRule(scope, 'egress-http', {
    securityGroupId,
    ipProtocol: 'tcp',
    fromPort: 80,
    toPort: 80,
    cidrIpv4: '0.0.0.0/0',
    description: 'Debian package mirrors (apt over HTTP; packages are signed)',
  });
}

/** Options of {@link addInternalNlb}. */
export interface InternalNlbOptions {
  /** Load balancer name (at most 32 characters). */
  readonly name: string;
  /** The subnets; the load balancer gets a leg in each (duplicates are dropped). */
  readonly subnets: readonly SubnetPlacement[];
  /** Its security group. */
  readonly securityGroupId: string;
}

/** An internal network load balancer with cross-zone load balancing on. */
export function addInternalNlb(scope: Construct, id: string, o: InternalNlbOptions): Lb {
  return new Lb(scope, id, {
    name: o.name,
    internal: true,
    loadBalancerType: 'network',
    subnets: [...new Set(o.subnets.map((s) => s.subnetId))],
    securityGroups: [o.securityGroupId],
    enableCrossZoneLoadBalancing: true,
  });
}

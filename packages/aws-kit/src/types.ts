/** Where a service answers: a DNS name (or a Terraform token that resolves to one) and a TCP port. */
export interface Endpoint {
  /** DNS name or IP address. May be an unresolved Terraform token (for example a load balancer's DNS name). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** One private subnet and the availability zone it lives in (given, not looked up: no data sources). */
export interface SubnetPlacement {
  /** Subnet id, for example `subnet-0abc...`. */
  readonly subnetId: string;
  /** The subnet's availability zone, for example `eu-west-1a`. Each subnet must be in a different zone. */
  readonly availabilityZone: string;
}

/** Who may connect to a port: a CIDR block or a security group. */
export type ClientSource = { readonly cidr: string } | { readonly securityGroupId: string };

/** Where a service answers: a DNS name (or a Terraform token that resolves to one) and a TCP port. */
export interface Endpoint {
  /** DNS name or IP address. May be an unresolved Terraform token (for example a load balancer's DNS name). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

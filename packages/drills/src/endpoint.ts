/** Where a drill connects: the load balancer's primary listener, or one member directly. */
export interface PgEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** CA (PEM) the server certificate is verified against. */
  readonly ca: string;
}

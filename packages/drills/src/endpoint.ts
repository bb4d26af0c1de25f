/** Where a drill connects: the load balancer's primary listener, or one member directly. */
export interface PgEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /**
   * The password, behind a function so that it never shows when the endpoint is logged, inspected or
   * serialized (node-postgres takes a password function as it is).
   */
  readonly password: () => string;
  readonly database: string;
  /** CA (PEM) the server certificate is verified against. */
  readonly ca: string;
}

/**
 * The network the boot needs, checked before apply with the caller's real credentials: the instances have no
 * public address, so every subnet must route 0.0.0.0/0 to a NAT gateway (or something that forwards, such as a
 * transit gateway or a NAT instance) for apt and the AWS APIs, and the VPC must resolve names (DNS support and
 * DNS hostnames: the private zone of the member names needs both). Refused, exit 2, naming each fix.
 *
 * VPC endpoints alone are not enough: the boot installs from the Debian archive, which no endpoint serves. With
 * a NAT route they are optional (they keep Secrets Manager, EC2 and Route 53 traffic inside AWS's network); the
 * check reports which of them exist, for the message.
 */
import {
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import type { AwsConfig } from './config.js';
import { AwsDeployError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The AWS APIs the boot script calls (besides the instance metadata service). */
export const BOOT_SERVICES = ['secretsmanager', 'ec2', 'route53'] as const;

/** Where one subnet's default route goes, as read from its route table. */
export interface SubnetRoute {
  readonly subnetId: string;
  /** The route table in force: the subnet's own association, else the VPC's main table. */
  readonly routeTableId: string | undefined;
  /** The subnet's VPC and zone as AWS knows them (undefined: the subnet was not found). */
  readonly vpcId: string | undefined;
  readonly availabilityZone: string | undefined;
  /** Target of the 0.0.0.0/0 route (`nat-...`, `igw-...`, `tgw-...`, `eni-...`, `i-...`), if any. */
  readonly defaultTarget: string | undefined;
  /** `active` or `blackhole` (the target is gone). */
  readonly defaultState: string | undefined;
}

/** What {@link readNetworkFacts} found. */
export interface NetworkFacts {
  readonly vpcFound: boolean;
  readonly vpcCidrs: readonly string[];
  readonly dnsSupport: boolean;
  readonly dnsHostnames: boolean;
  readonly subnets: readonly SubnetRoute[];
  /** NAT gateway id -> state (`available`, `pending`, `failed`, `deleted`, ...). */
  readonly natGateways: Readonly<Record<string, string>>;
  /** Interface endpoints with private DNS for the boot's services, by service (`secretsmanager`). */
  readonly endpoints: readonly string[];
}

/** An EC2 client for the config's region with the caller's credentials; `AWS_ENDPOINT_URL_EC2` is honoured. */
export function ec2ClientFor(config: AwsConfig, env: Env): EC2Client {
  const endpoint = env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL;
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {};
  return new EC2Client({
    region: config.region,
    maxAttempts: 3,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...keys,
  });
}

function defaultRoute(table: RouteTable | undefined): { target?: string; state?: string } {
  const route = (table?.Routes ?? []).find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  if (route === undefined) return {};
  const target =
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.NetworkInterfaceId ??
    route.InstanceId ??
    route.VpcPeeringConnectionId ??
    route.GatewayId;
  return { ...(target === undefined ? {} : { target }), ...(route.State ? { state: route.State } : {}) };
}

/** Reads the VPC, its subnets' route tables, NAT gateways and endpoints (read-only calls). */
export async function readNetworkFacts(client: EC2Client, config: AwsConfig): Promise<NetworkFacts> {
  const vpcId = config.vpcId;
  const vpcs = await client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
  const vpc = vpcs.Vpcs?.[0];
  if (vpc === undefined) {
    return {
      vpcFound: false,
      vpcCidrs: [],
      dnsSupport: false,
      dnsHostnames: false,
      subnets: [],
      natGateways: {},
      endpoints: [],
    };
  }
  const attribute = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') => {
    const r = await client.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }));
    return (Attribute === 'enableDnsSupport' ? r.EnableDnsSupport : r.EnableDnsHostnames)?.Value === true;
  };
  const ids = config.subnets.map((s) => s.subnetId);
  const [dnsSupport, dnsHostnames, subnets, tables, nats, endpoints] = await Promise.all([
    attribute('enableDnsSupport'),
    attribute('enableDnsHostnames'),
    client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: ids }] })),
    client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
    client.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] })),
    client.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
  ]);
  const main = tables.RouteTables?.find((t) => t.Associations?.some((a) => a.Main === true));
  return {
    vpcFound: true,
    vpcCidrs: (vpc.CidrBlockAssociationSet ?? [])
      .map((a) => a.CidrBlock)
      .filter((c): c is string => c !== undefined),
    dnsSupport,
    dnsHostnames,
    subnets: ids.map((subnetId) => {
      const subnet = subnets.Subnets?.find((s) => s.SubnetId === subnetId);
      const own = tables.RouteTables?.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId));
      const table = own ?? main;
      const route = defaultRoute(table);
      return {
        subnetId,
        routeTableId: table?.RouteTableId,
        vpcId: subnet?.VpcId,
        availabilityZone: subnet?.AvailabilityZone,
        defaultTarget: route.target,
        defaultState: route.state,
      };
    }),
    natGateways: Object.fromEntries(
      (nats.NatGateways ?? []).map((n) => [n.NatGatewayId ?? '', n.State ?? 'unknown']),
    ),
    endpoints: (endpoints.VpcEndpoints ?? [])
      .filter((e) => e.VpcEndpointType === 'Interface' && e.PrivateDnsEnabled === true)
      .filter((e) => e.State === undefined || e.State.toLowerCase() === 'available')
      .map((e) => e.ServiceName?.split('.').pop() ?? '')
      .filter((s) => (BOOT_SERVICES as readonly string[]).includes(s)),
  };
}

/** Each thing that keeps the boot from reaching apt, the AWS APIs or the private zone, with its fix. */
export function networkProblems(config: AwsConfig, facts: NetworkFacts): string[] {
  const vpc = config.vpcId;
  if (!facts.vpcFound) {
    return [`vpcId: ${vpc} does not exist in ${config.region} for these credentials; check vpcId and region`];
  }
  const problems: string[] = [];
  if (!facts.vpcCidrs.includes(config.vpcCidr)) {
    problems.push(
      `vpcCidr: ${config.vpcCidr} is not a CIDR block of ${vpc} (${facts.vpcCidrs.join(', ')}); pg_hba and the security groups are built from it: give the VPC's own`,
    );
  }
  const dns = (attribute: string) =>
    `${vpc}: ${attribute} is off; the private zone of the member names resolves only with it: aws ec2 modify-vpc-attribute --vpc-id ${vpc} --${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (!facts.dnsSupport) problems.push(dns('enableDnsSupport'));
  if (!facts.dnsHostnames) problems.push(dns('enableDnsHostnames'));
  const missing = BOOT_SERVICES.filter((s) => !facts.endpoints.includes(s));
  const endpoints =
    missing.length === 0
      ? 'the VPC endpoints for the AWS APIs exist, but the Debian archive needs the route too'
      : `without it apt (the Debian archive) and the AWS APIs (${missing.join(', ')}: no interface endpoint with private DNS) are unreachable`;
  facts.subnets.forEach((s, i) => {
    const at = `subnets[${i}] ${s.subnetId}`;
    const want = config.subnets[i]?.availabilityZone;
    if (s.vpcId === undefined) {
      problems.push(`${at}: not found in ${config.region}; check the subnet id`);
      return;
    }
    if (s.vpcId !== vpc) problems.push(`${at}: is in ${s.vpcId}, not ${vpc}; give subnets of ${vpc}`);
    if (want !== undefined && s.availabilityZone !== want)
      problems.push(`${at}: is in ${s.availabilityZone}, not ${want}; correct availabilityZone`);
    const table = s.routeTableId ?? 'its route table';
    const add = `add 0.0.0.0/0 -> a NAT gateway (aws ec2 create-route --route-table-id ${table} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id nat-...)`;
    if (s.defaultTarget === undefined) {
      problems.push(`${at}: ${table} has no route to 0.0.0.0/0; ${endpoints}: ${add}`);
    } else if (s.defaultState === 'blackhole') {
      problems.push(
        `${at}: ${table} routes 0.0.0.0/0 to ${s.defaultTarget}, which is gone (blackhole); ${add}`,
      );
    } else if (s.defaultTarget.startsWith('igw-')) {
      problems.push(
        `${at}: ${table} routes 0.0.0.0/0 to the internet gateway ${s.defaultTarget}, but the instances have no public address, so nothing leaves: use a private subnet whose route goes to a NAT gateway, or ${add}`,
      );
    } else if (s.defaultTarget.startsWith('nat-')) {
      const state = facts.natGateways[s.defaultTarget];
      if (state !== 'available')
        problems.push(
          `${at}: ${table} routes 0.0.0.0/0 to ${s.defaultTarget}, which is ${state ?? 'not in this VPC'}; use an available NAT gateway`,
        );
    }
    // tgw-, eni-, i-, pcx-: forwarded somewhere this check cannot see (a central egress VPC, a NAT instance,
    // a firewall); accepted.
  });
  return problems;
}

const CREDENTIAL_ERRORS =
  /^(AuthFailure|UnrecognizedClientException|InvalidClientTokenId|SignatureDoesNotMatch|CredentialsProviderError|ExpiredToken)/;

/**
 * Reads the network of `config` with the caller's credentials and refuses (`CONFIG_INVALID`, exit 2) when the
 * boot could not reach apt, the AWS APIs or the private zone, listing every problem with its fix.
 */
export async function checkAwsNetwork(config: AwsConfig, client: EC2Client): Promise<NetworkFacts> {
  let facts: NetworkFacts;
  try {
    facts = await readNetworkFacts(client, config);
  } catch (error) {
    const name = error instanceof Error ? error.name : String(error);
    const message = error instanceof Error ? error.message : String(error);
    if (CREDENTIAL_ERRORS.test(name)) {
      throw new AwsDeployError('CREDENTIALS_MISSING', `AWS refused the credentials (${name}: ${message})`, {
        hint: 'sign in again (aws sso login, or export fresh keys) and run the command again',
        cause: error,
      });
    }
    throw new AwsDeployError(
      'CONFIG_INVALID',
      `cannot read the network of ${config.vpcId} in ${config.region} (${name}: ${message})`,
      {
        hint: 'the credentials need ec2:DescribeVpcs, DescribeVpcAttribute, DescribeSubnets, DescribeRouteTables, DescribeNatGateways and DescribeVpcEndpoints; check vpcId, region and the network path to the EC2 API',
        cause: error,
      },
    );
  }
  const problems = networkProblems(config, facts);
  if (problems.length > 0) {
    throw new AwsDeployError(
      'CONFIG_INVALID',
      `the network of ${config.vpcId} cannot boot the cluster, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'the instances have no public address: each subnet needs a route to a NAT gateway (apt and the AWS APIs), and the VPC DNS support and DNS hostnames (the private zone); fix the above and run again',
      },
    );
  }
  return facts;
}

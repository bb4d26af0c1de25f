import { emulatorQuery, xmlAll, xmlOne } from './aws-api.js';

/** A target group as the emulator holds it: where it forwards, and how it checks its targets. */
export interface TargetGroupView {
  readonly arn: string;
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly healthCheck: {
    readonly protocol: string;
    readonly port: number;
    readonly path: string;
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
  };
  /** Registered targets: instance id and port. */
  readonly targets: readonly { readonly id: string; readonly port: number }[];
}

export interface LoadBalancerView {
  readonly arn: string;
  readonly name: string;
  readonly dnsName: string;
  readonly type: string;
  readonly listeners: readonly {
    readonly port: number;
    readonly protocol: string;
    readonly targetGroup: TargetGroupView;
  }[];
}

const ELB = 'elasticloadbalancing';

/** The answer cut at each `<tag>`: one piece per list entry whose first field is `tag` (entries nest lists). */
const chunks = (xml: string, tag: string) =>
  xml
    .split(`<${tag}>`)
    .slice(1)
    .map((c) => `<${tag}>${c}`);
const V = 'Version=2015-12-01';
const q = encodeURIComponent;

/** The emulator's load balancers with their listeners, target groups, health checks and targets. */
export async function readLoadBalancers(endpoint: string, region: string): Promise<LoadBalancerView[]> {
  const lbs = await emulatorQuery(endpoint, ELB, region, `/?Action=DescribeLoadBalancers&${V}`);
  const groups = new Map<string, TargetGroupView>();
  const tgXml = await emulatorQuery(endpoint, ELB, region, `/?Action=DescribeTargetGroups&${V}`);
  for (const m of chunks(tgXml, 'TargetGroupArn')) {
    const arn = xmlOne(m, 'TargetGroupArn');
    if (arn === undefined) continue;
    const health = await emulatorQuery(
      endpoint,
      ELB,
      region,
      `/?Action=DescribeTargetHealth&TargetGroupArn=${q(arn)}&${V}`,
    );
    const targets = xmlAll(health, 'Target').map((t) => ({
      id: xmlOne(t, 'Id') ?? '',
      port: Number(xmlOne(t, 'Port') ?? xmlOne(m, 'Port')),
    }));
    groups.set(arn, {
      arn,
      name: xmlOne(m, 'TargetGroupName') ?? '',
      protocol: xmlOne(m, 'Protocol') ?? 'TCP',
      port: Number(xmlOne(m, 'Port')),
      healthCheck: {
        protocol: xmlOne(m, 'HealthCheckProtocol') ?? 'TCP',
        port: Number(xmlOne(m, 'HealthCheckPort') ?? xmlOne(m, 'Port')),
        path: xmlOne(m, 'HealthCheckPath') ?? '/',
        intervalSeconds: Number(xmlOne(m, 'HealthCheckIntervalSeconds') ?? 30),
        timeoutSeconds: Number(xmlOne(m, 'HealthCheckTimeoutSeconds') ?? 10),
        healthyThreshold: Number(xmlOne(m, 'HealthyThresholdCount') ?? 3),
        unhealthyThreshold: Number(xmlOne(m, 'UnhealthyThresholdCount') ?? 3),
      },
      targets,
    });
  }
  const out: LoadBalancerView[] = [];
  for (const m of chunks(lbs, 'LoadBalancerArn')) {
    const arn = xmlOne(m, 'LoadBalancerArn');
    if (arn === undefined) continue;
    const ls = await emulatorQuery(
      endpoint,
      ELB,
      region,
      `/?Action=DescribeListeners&LoadBalancerArn=${q(arn)}&${V}`,
    );
    const listeners = [];
    for (const l of chunks(ls, 'ListenerArn')) {
      const tg = groups.get(xmlOne(l, 'TargetGroupArn') ?? '');
      if (tg !== undefined)
        listeners.push({
          port: Number(xmlOne(l, 'Port')),
          protocol: xmlOne(l, 'Protocol') ?? 'TCP',
          targetGroup: tg,
        });
    }
    out.push({
      arn,
      name: xmlOne(m, 'LoadBalancerName') ?? '',
      dnsName: (xmlOne(m, 'DNSName') ?? '').toLowerCase(),
      type: xmlOne(m, 'Type') ?? '',
      listeners: listeners.sort((a, b) => a.port - b.port),
    });
  }
  return out;
}

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * The NLB stand-in: HAProxy in TCP mode, one frontend per listener at the load balancer's VPC address, the
 * target group's registered instances as servers, checked the way the target group says (HTTP(S) GET of its
 * path on its port, expecting 200, at its interval, timeout and thresholds). An unknown target is an error.
 */
export function haproxyConfig(
  lbs: readonly { readonly view: LoadBalancerView; readonly address: string }[],
  ipOf: (instanceId: string) => string | undefined,
): string {
  const lines = [
    '# pgha rehearsal: the NLB stand-in, built from the emulator listeners, target groups and health checks',
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 30m',
    '  timeout server 30m',
    '',
  ];
  for (const { view, address } of lbs) {
    for (const l of view.listeners) {
      const tg = l.targetGroup;
      const hc = tg.healthCheck;
      const id = sanitize(`${view.name}-${l.port}`);
      lines.push(`frontend ${id}`, `  bind ${address}:${l.port}`, `  default_backend ${id}`, '');
      lines.push(`backend ${id}`, `  # target group ${tg.name}: ${hc.protocol} ${hc.path} on ${hc.port}`);
      if (hc.protocol === 'HTTP' || hc.protocol === 'HTTPS') {
        lines.push(`  option httpchk GET ${hc.path}`, '  http-check expect status 200');
      }
      lines.push(
        `  timeout check ${hc.timeoutSeconds}s`,
        `  default-server inter ${hc.intervalSeconds}s fall ${hc.unhealthyThreshold} rise ${hc.healthyThreshold} port ${hc.port}${hc.protocol === 'HTTPS' ? ' check-ssl verify none' : ''} on-marked-down shutdown-sessions`,
      );
      for (const t of tg.targets) {
        const ip = ipOf(t.id);
        if (ip === undefined)
          throw new Error(`target ${t.id} of ${tg.name} is no instance the rehearsal booted`);
        lines.push(`  server ${sanitize(t.id)} ${ip}:${t.port} check`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

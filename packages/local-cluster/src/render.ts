import { PORTS } from '@pgha/defaults';
import {
  type Cluster,
  defineCluster,
  renderEtcdConfig,
  renderHaproxyConfig,
  renderPatroniConfig,
  renderPatroniPythonShim,
} from '@pgha/userdata';
import { etcdLayout, haproxyLayout, type Layout, patroniLayout } from './layout.js';
import type { AddressPlan, LocalOptions } from './options.js';
import type { Binaries } from './preflight.js';
import type { PkiFiles } from './tls.js';

export interface NodeFiles {
  readonly node: string;
  readonly dirs: readonly { readonly path: string; readonly mode: number }[];
  readonly files: readonly {
    readonly path: string;
    readonly content: string | Buffer;
    readonly mode: number;
  }[];
}

/** HAProxy health-check timing: how often it asks Patroni's REST API and how many answers flip a server. */
export interface HaproxyCheckTiming {
  readonly intervalMs: number;
  /** While a server changes state (HAProxy `fastinter`). @default - intervalMs */
  readonly fastIntervalMs?: number;
  /** While a server is down (HAProxy `downinter`). @default - intervalMs */
  readonly downIntervalMs?: number;
  readonly rise: number;
  readonly fall: number;
}

/** The cluster description the renderers take: the same one the AWS constructs use, with loopback addresses. */
export function localCluster(options: LocalOptions, plan: AddressPlan, binaries: Binaries): Cluster {
  return defineCluster({
    name: options.cluster,
    etcd: {
      members: plan.etcd.map((m) => ({ name: m.name, host: m.host })),
      version: binaries.versions.etcd,
    },
    patroni: {
      nodes: plan.patroni.map((n) => ({ name: n.name, host: n.host })),
      version: binaries.versions.patroni,
      postgresVersion: binaries.versions.postgres,
      timing: options.profile,
      synchronousMode: options.synchronousMode,
      // Loopback connections come from 127.0.0.1 whatever the node's own 127.x.y.z address is; in netns mode
      // the nodes, HAProxy and the admin host connect from their own addresses on the hosts' subnet.
      allowedCidrs: plan.netns ? ['127.0.0.0/8', plan.netns.cidr] : ['127.0.0.0/8'],
    },
  });
}

/**
 * HAProxy's checks of the Patroni REST API: a steady server every 500 ms; a server that starts failing or
 * passing, and a server that is down, every 250 ms. Down after 2 failures, up after 1 pass. So a demoted
 * primary leaves the primary's backend within about 0.75 s and a promoted one joins within about 0.25 s:
 * about 18 checks a second over TLS for 3 nodes (not measured separately; the drills and benches ran with it).
 */
export const LOCAL_HEALTH_CHECK: HaproxyCheckTiming = {
  intervalMs: 500,
  fastIntervalMs: 250,
  downIntervalMs: 250,
  rise: 1,
  fall: 2,
};

/** When HAProxy, started with every server up (its default), has had its first checks mark the wrong ones down. */
export function haproxySettleMs(timing: HaproxyCheckTiming): number {
  return timing.intervalMs + (timing.fall - 1) * (timing.fastIntervalMs ?? timing.intervalMs);
}

/**
 * The local HAProxy checks Patroni with OPTIONS: the same status codes as GET, and no body. HAProxy closes a TLS
 * check as soon as it has the status line, so a GET's JSON body fails Patroni's write and Patroni logs a
 * traceback (SSLEOFError) for it: about one a second on each node with Patroni 4.0.7 and HAProxy 2.6 (measured
 * 2026-12-05), one per check on 3.0.x. (The AWS NLB can only send GET.)
 */
export const LOCAL_CHECK_METHOD = 'OPTIONS';

/**
 * Every directory and file the local services need: rendered configuration and per-node copies of the
 * certificates and keys each one uses (owned by the service user, keys 0600: Patroni misreports a key it
 * cannot read as an etcd connection problem).
 */
export function renderNodeFiles(input: {
  readonly options: LocalOptions;
  readonly plan: AddressPlan;
  readonly layout: Layout;
  readonly binaries: Binaries;
  readonly pki: PkiFiles;
  /** @default LOCAL_HEALTH_CHECK */
  readonly haproxyHealthCheck?: HaproxyCheckTiming | undefined;
}): NodeFiles[] {
  const { options, plan, layout, binaries, pki } = input;
  const cluster = localCluster(options, plan, binaries);
  const out: NodeFiles[] = [];
  const tlsCopy = (tlsDir: string, name: string, pem: { cert: string; key: string }) => [
    { path: `${tlsDir}/${name}.crt`, content: pem.cert, mode: 0o644 },
    { path: `${tlsDir}/${name}.key`, content: pem.key, mode: 0o600 },
  ];

  for (const member of plan.etcd) {
    const l = etcdLayout(layout, member.name);
    const pem = pki.pem.etcd(member.name);
    const tls = {
      certFile: `${l.tlsDir}/member.crt`,
      keyFile: `${l.tlsDir}/member.key`,
      caFile: `${l.tlsDir}/ca.crt`,
    };
    out.push({
      node: member.name,
      dirs: [
        { path: l.dir, mode: 0o755 },
        { path: l.tlsDir, mode: 0o700 },
        { path: l.dataDir, mode: 0o700 },
      ],
      files: [
        { path: tls.caFile, content: pki.pem.ca, mode: 0o644 },
        ...tlsCopy(l.tlsDir, 'member', pem),
        {
          path: l.configFile,
          content: renderEtcdConfig(cluster, member.name, { dataDir: l.dataDir, tls }),
          mode: 0o644,
        },
      ],
    });
  }

  for (const node of plan.patroni) {
    const l = patroniLayout(layout, node.name);
    const pem = pki.pem.patroni(node.name);
    const file = (name: string) => ({
      certFile: `${l.tlsDir}/${name}.crt`,
      keyFile: `${l.tlsDir}/${name}.key`,
      caFile: `${l.tlsDir}/ca.crt`,
    });
    out.push({
      node: node.name,
      dirs: [
        { path: l.dir, mode: 0o755 },
        { path: l.tlsDir, mode: 0o700 },
        { path: l.socketDir, mode: 0o700 },
        { path: l.pythonDir, mode: 0o755 },
        // Patroni's initdb / pg_basebackup create the data dir itself (0700); its parent is the node dir.
      ],
      files: [
        { path: `${l.tlsDir}/ca.crt`, content: pki.pem.ca, mode: 0o644 },
        ...tlsCopy(l.tlsDir, 'postgres', pem.postgres),
        ...tlsCopy(l.tlsDir, 'rest', pem.rest),
        ...tlsCopy(l.tlsDir, 'etcd-client', pem.etcdClient),
        // Patroni starts with PYTHONPATH=<python dir>: no DNS query for the REST API's loopback address.
        { path: `${l.pythonDir}/sitecustomize.py`, content: renderPatroniPythonShim(), mode: 0o644 },
        {
          path: l.configFile,
          content: renderPatroniConfig(cluster, node.name, {
            dataDir: l.dataDir,
            binDir: binaries.postgresBinDir,
            pgpassFile: l.pgpassFile,
            socketDir: l.socketDir,
            tls: file('postgres'),
            restTls: file('rest'),
            etcdTls: file('etcd-client'),
          }),
          mode: 0o644,
        },
      ],
    });
  }

  const h = haproxyLayout(layout);
  out.push({
    node: 'haproxy',
    dirs: [{ path: h.dir, mode: 0o755 }],
    files: [
      { path: `${h.dir}/ca.crt`, content: pki.pem.ca, mode: 0o644 },
      {
        path: h.configFile,
        content: renderHaproxyConfig(cluster, {
          primary: { address: plan.loadBalancer, port: PORTS.loadBalancerPrimary },
          replicas: { address: plan.loadBalancer, port: PORTS.loadBalancerReplicas },
          caFile: `${h.dir}/ca.crt`,
          healthCheck: {
            method: LOCAL_CHECK_METHOD,
            ...(input.haproxyHealthCheck ?? LOCAL_HEALTH_CHECK),
          },
          // Loopback connects are immediate; this also caps HAProxy's pause before it retries a refused
          // connection (a demoted primary not yet marked down) at 500 ms instead of 1 s.
          connectTimeoutMs: 500,
          log: 'stderr',
        }),
        mode: 0o644,
      },
    ],
  });
  return out;
}

// Prints how long each renderer takes (median of many runs) and how big its output is.
import {
  defineCluster,
  renderEtcdCloudInit,
  renderEtcdConfig,
  renderHaproxyConfig,
  renderPatroniCloudInit,
  renderPatroniConfig,
} from '../src/index.js';
import { etcdOptions, patroniOptions } from '../test/aws.js';
import { awsCluster, localEtcdPaths, localInput, localPatroniPaths } from '../test/fixtures.js';

function measure(name: string, fn: () => string, runs = 2000): void {
  let size = 0;
  for (let i = 0; i < 200; i++) size = fn().length; // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  const p99 = samples[Math.floor(samples.length * 0.99)] ?? 0;
  console.log(
    `${name.padEnd(28)} median ${median.toFixed(1).padStart(7)} us   p99 ${p99.toFixed(1).padStart(7)} us   ${size} bytes`,
  );
}

const cluster = defineCluster(localInput);
measure('defineCluster', () => JSON.stringify(defineCluster(localInput)));
measure('renderEtcdConfig', () => renderEtcdConfig(cluster, 'etcd-1', localEtcdPaths('etcd-1')));
measure('renderPatroniConfig', () => renderPatroniConfig(cluster, 'pg-1', localPatroniPaths('pg-1')));
measure('renderHaproxyConfig', () =>
  renderHaproxyConfig(cluster, {
    primary: { address: '127.0.30.1', port: 5432 },
    replicas: { address: '127.0.30.1', port: 5433 },
    caFile: '/var/lib/pgha/main/haproxy/ca.crt',
  }),
);
measure('renderEtcdCloudInit', () => renderEtcdCloudInit(awsCluster, 'etcd-1', etcdOptions), 500);
measure('renderPatroniCloudInit', () => renderPatroniCloudInit(awsCluster, 'pg-1', patroniOptions), 500);

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { localCluster, localHaproxyOptions } from '../test/fixtures.js';
import { isUserdataError } from './errors.js';
import { renderHaproxyConfig } from './haproxy-config.js';

const expected = (name: string) => readFileSync(new URL(`../test/expected/${name}`, import.meta.url), 'utf8');

const localOptions = localHaproxyOptions;

describe('renderHaproxyConfig', () => {
  test('local load balancer: exact file', () => {
    expect(renderHaproxyConfig(localCluster, localOptions)).toBe(expected('haproxy-local.cfg'));
  });

  test('defaults: GET checks like the NLB, 1 s interval, rise 2, fall 2, stderr log, no pidfile or socket', () => {
    const text = renderHaproxyConfig(localCluster, {
      primary: { address: '127.0.30.1', port: 5432 },
      replicas: { address: '127.0.30.2', port: 6432 },
      caFile: '/ca.crt',
    });
    const lines = text.split('\n');
    expect(
      lines.filter((l) => /http-check send|default-server|bind|pidfile|stats socket|log /.test(l)),
    ).toEqual([
      '    log stderr format raw local0 info',
      '    log global',
      '    bind 127.0.30.1:5432',
      '    http-check send meth GET uri /primary',
      '    default-server inter 1000ms rise 2 fall 2 on-marked-down shutdown-sessions check port 8008 check-ssl verify required ca-file /ca.crt',
      '    bind 127.0.30.2:6432',
      '    http-check send meth GET uri /replica',
      '    default-server inter 1000ms rise 2 fall 2 on-marked-down shutdown-sessions check port 8008 check-ssl verify required ca-file /ca.crt',
    ]);
  });

  test('bad options are all reported', () => {
    let caught: unknown;
    try {
      renderHaproxyConfig(localCluster, {
        primary: { address: 'lb.local', port: 5432 },
        replicas: { address: '127.0.30.1', port: 0 },
        caFile: '/with space/ca.crt',
        healthCheck: {
          method: 'POST' as 'GET',
          intervalMs: 10,
          fastIntervalMs: 1.5,
          downIntervalMs: 400000,
          rise: 0,
        },
        connectTimeoutMs: 5,
        log: 'syslog' as 'stderr',
      });
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    expect((caught as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual([
      'options.primary.address',
      'options.replicas.port',
      'options.caFile',
      'options.healthCheck.method',
      'options.healthCheck.intervalMs',
      'options.healthCheck.fastIntervalMs',
      'options.healthCheck.downIntervalMs',
      'options.healthCheck.rise',
      'options.connectTimeoutMs',
      'options.log',
    ]);
  });
});

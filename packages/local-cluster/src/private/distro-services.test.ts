import { expect, test } from 'vitest';
import { unitFromCgroup } from './distro-services.js';

test.each([
  ['0::/system.slice/etcd.service\n', 'etcd.service'],
  ['0::/system.slice/system-postgresql.slice/postgresql@15-main.service\n', 'postgresql@15-main.service'],
  [
    '12:pids:/system.slice/haproxy.service\n1:name=systemd:/system.slice/haproxy.service\n',
    'haproxy.service',
  ],
  ['0::/system.slice/system-patroni.slice/patroni@15-main.service\n', 'patroni@15-main.service'],
])('a process of a distro unit is recognised: %j', (cgroup, unit) => {
  expect(unitFromCgroup(cgroup)).toBe(unit);
});

test.each([
  ['0::/user.slice/user-1000.slice/session-2.scope\n'],
  ['0::/system.slice/my-etcd.service\n'],
  ['0::/\n'],
  [''],
])('anything else is left alone: %j', (cgroup) => {
  expect(unitFromCgroup(cgroup)).toBeUndefined();
});

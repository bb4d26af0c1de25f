import type { EtcdCloudInitOptions, PatroniCloudInitOptions } from '../src/cloud-init.js';

export const etcdOptions: EtcdCloudInitOptions = {
  tlsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/etcd-1/tls-AbCdEf',
  dataVolumeId: 'vol-0123456789abcdef0',
  dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
  // Extra packages beside the component policy's set, one pinned to a version.
  packages: [{ name: 'jq' }, { name: 'chrony', version: '4.3-2+deb12u1' }],
};

export const patroniOptions: PatroniCloudInitOptions = {
  tlsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/pg-1/tls-AbCdEf',
  passwordsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/passwords-GhIjKl',
  dataVolumeId: 'vol-0fedcba9876543210',
  // The admin hosts: the only network the superuser may log in from (besides loopback).
  superuserCidrs: ['10.0.200.0/24'],
};

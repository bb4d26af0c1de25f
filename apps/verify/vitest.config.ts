import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Integration tests start real etcd, PostgreSQL, Patroni and a whole deployed cluster: one file at a time,
    // so timing bounds hold on a busy 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

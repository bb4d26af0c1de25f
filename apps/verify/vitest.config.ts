import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Integration tests start real etcd/PostgreSQL; give them room on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

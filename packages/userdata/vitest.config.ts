import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real programs (etcd, HAProxy, Patroni's validator, cloud-init, shellcheck,
    // python3) on a 2-core machine shared with other work: generous bounds, never timing assertions.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // RSA key generation is CPU-bound; on a busy 2-core machine a full bundle can take several seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

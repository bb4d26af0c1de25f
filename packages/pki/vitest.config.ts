import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/pki': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts'],
    // RSA key generation is CPU-bound; on a busy 2-core machine a full bundle can take several seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

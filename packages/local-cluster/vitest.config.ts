import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/local-cluster': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts'],
    // Tests that start processes on fixed loopback addresses: one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});

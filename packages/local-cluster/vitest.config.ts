import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/local-cluster': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    // One module graph per worker, not one per test file: importing the dependencies (cdktf, the AWS provider
    // bindings, the AWS SDK) again for every file took longer than the tests. No test relies on a fresh module.
    isolate: false,
    include: ['src/**/*.test.ts'],
    // Tests that start processes on fixed loopback addresses: one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});

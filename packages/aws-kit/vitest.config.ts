import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/aws-kit': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  // Synthesis loads cdktf and the provider classes on first use: generous bounds for a busy 2-core machine.
  test: {
    // One module graph per worker, not one per test file: importing the dependencies (cdktf, the AWS provider
    // bindings, the AWS SDK) again for every file took longer than the tests. No test relies on a fresh module.
    isolate: false,
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // cdktf's Testing.app() leaves a cdktf.outdir.* per synthesis in TMPDIR: each file gets its own, removed.
    setupFiles: ['../../tooling/vitest/scratch-tmpdir.ts'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/aws-deploy': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    // One module graph per worker, not one per test file: importing the dependencies (cdktf, the AWS provider
    // bindings, the AWS SDK) again for every file took longer than the tests. No test relies on a fresh module.
    isolate: false,
    include: ['src/**/*.test.ts'],
    // Terraform and moto_server runs: one file at a time (the machines have 2 cores).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // The AWS SDK (the egress check) warns on Node 20 about releases after the pinned one; the pinned one
    // runs on Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/rehearsal': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    // One module graph per worker, not one per test file: importing the dependencies (cdktf, the AWS provider
    // bindings, the AWS SDK) again for every file took longer than the tests. No test relies on a fresh module.
    isolate: false,
    // Unit tests only: the rehearsal itself (root, moto_server, containers) is run by apps/deploy's tests
    // through the CLI, as users run it.
    include: ['src/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    // The AWS SDK warns on Node 20 about releases after the pinned one; the pinned one runs on Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

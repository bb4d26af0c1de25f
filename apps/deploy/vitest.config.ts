import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start a real cluster on fixed loopback addresses: one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // As bin.ts does for the CLI: the AWS SDK (the rehearsal's emulator client and the egress check) warns on
    // Node 20 about releases after the pinned one; the pinned one runs on Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

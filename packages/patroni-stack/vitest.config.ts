import { defineConfig } from 'vitest/config';

// Synthesis loads cdktf and the provider classes on first use: generous bounds for a busy 2-core machine.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // cdktf's Testing.app() leaves a cdktf.outdir.* per synthesis in TMPDIR: each file gets its own, removed.
    setupFiles: ['../../tooling/vitest/scratch-tmpdir.ts'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Synthesis loads cdktf and the provider classes on first use: generous bounds for a busy 2-core machine.
export default defineConfig({
  // test/readme-example.ts is the README's example verbatim: it imports the package by its name.
  resolve: { alias: { '@pgha/aws-stack': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The README example synthesizes into ./cdktf.out of the working directory: each test file runs in a
    // process of its own, so it can change into a scratch directory.
    pool: 'forks',
    // cdktf's Testing.app() leaves a cdktf.outdir.* per synthesis in TMPDIR: each file gets its own, removed.
    setupFiles: ['../../tooling/vitest/scratch-tmpdir.ts'],
  },
});

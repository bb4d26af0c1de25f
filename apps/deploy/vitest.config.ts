import { configDefaults, defineConfig } from 'vitest/config';

// The AWS rehearsal's boot test (root; boots six containers; about 5 minutes) is CI's own step, run alone:
// `pnpm run test:rehearsal` (PGHA_TEST_REHEARSAL=1) runs it and nothing else; `pnpm test` runs the rest.
const REHEARSAL = ['test/rehearse-boot.integ.test.ts'];
const rehearsal = process.env.PGHA_TEST_REHEARSAL === '1';

export default defineConfig({
  test: {
    // One module graph per worker, not one per test file: importing the dependencies (cdktf, the AWS provider
    // bindings, the AWS SDK) again for every file took longer than the tests. No test relies on a fresh module.
    isolate: false,
    include: rehearsal ? REHEARSAL : ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: rehearsal ? configDefaults.exclude : [...configDefaults.exclude, ...REHEARSAL],
    // Integration tests start a real cluster on fixed loopback addresses: one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // As bin.ts does for the CLI: the AWS SDK (the rehearsal's emulator client and the egress check) warns on
    // Node 20 about releases after the pinned one; the pinned one runs on Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // One scratch project for the whole run: packing, npm install and one tsc run happen once, in beforeAll.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 170_000,
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; run it against the sources (no build needed).
    alias: { '@pgha/drills': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: { include: ['src/**/*.test.ts'] },
});

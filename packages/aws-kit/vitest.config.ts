import { defineConfig } from 'vitest/config';

// Synthesis loads cdktf and the provider classes on first use: generous bounds for a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 180_000 } });

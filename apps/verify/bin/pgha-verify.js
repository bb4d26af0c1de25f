#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The CLI is compiled into dist/: `prepack` builds it before every `pnpm pack` / `pnpm publish`, and the
// repository's `pnpm verify` builds it first. A checkout nobody built has no dist/: say that, not a stack trace.
const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    `pgha-verify: ${fileURLToPath(cli)} is missing: this copy of @pgha/verify was never built; ` +
      'in the pgha repository run `pnpm build` (or `pnpm verify`, which builds first)\n',
  );
  process.exit(1);
}
const { main } = await import(cli.href);
await main();

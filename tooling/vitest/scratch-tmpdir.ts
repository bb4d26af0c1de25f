// A vitest setup file: each test file gets a scratch TMPDIR of its own, removed after its last test. cdktf's
// Testing.app() makes a `cdktf.outdir.*` directory under os.tmpdir() per synthesis and never removes it: without
// this, one `pnpm test` left about 80 of them in /tmp. os.tmpdir() reads TMPDIR on every call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const previous = process.env.TMPDIR;
const scratch = mkdtempSync(join(tmpdir(), 'pgha-test-'));
process.env.TMPDIR = scratch;

afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(scratch, { recursive: true, force: true });
});

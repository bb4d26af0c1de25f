#!/usr/bin/env node
import { run } from './cli.js';

// Ctrl-C (or SIGTERM): the running command stops at its next step and says what it leaves behind (a deploy:
// what is left running, exit 130). A second one ends the process at once (the handlers are gone by then).
// The AWS SDK (rehearse: talks to the local emulator only) warns on Node 20 about versions it has not
// published yet; the SDK is pinned to one that runs on Node 20 (engines >= 20.19).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
const interrupt = (signal: NodeJS.Signals) => {
  process.stderr.write(`\n${signal}: stopping at the next step (again to quit at once)\n`);
  controller.abort(signal);
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
  signal: controller.signal,
});
process.off('SIGINT', interrupt);
process.off('SIGTERM', interrupt);

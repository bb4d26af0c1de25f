#!/usr/bin/env node
// A committed entry point, so that installing the workspace links the `pgha` bin before anything is built.
await import('../dist/bin.js');

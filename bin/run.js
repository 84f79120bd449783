#!/usr/bin/env node
// Entry point of the `june` CLI. Kept free of syntax newer than Node 12 so that an old Node can
// read it far enough to print one clear line instead of a stack trace.
import module from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `june needs Node.js 22 or newer (Node 24 LTS recommended); this is ${process.version}. Hint: install Node 24 and put it first on PATH.`,
  );
  process.exit(1);
}

// Node's on-disk compile cache makes every later start faster.
if (typeof module.enableCompileCache === 'function') {
  try {
    module.enableCompileCache();
  } catch {
    // a read-only cache directory only costs speed
  }
}

const {execute} = await import('@oclif/core');
await execute({dir: import.meta.url});

#!/usr/bin/env node
// Runs the TypeScript CLI in this very process: tsx's module hooks are registered, then the entry is
// imported. One process means a signal sent to this PID (SIGTERM from systemd, docker, a shell's kill)
// reaches the server's own handlers and stops it gracefully; no child is left behind to keep serving.
// A fresh clone needs no build step.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (typeof module.register !== 'function') {
  console.error(`otpgate: Node.js 20.6 or newer is needed (this is ${process.version})`);
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { register } = await import('tsx/esm/api');
// The package's own tsconfig, not whatever tsconfig.json the current directory happens to hold.
const tsconfig = join(root, 'tsconfig.json');
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);

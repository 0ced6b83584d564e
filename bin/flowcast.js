#!/usr/bin/env node
// `npx flowcast` (and `npm link`) from a checkout: runs the built CLI, or says how to build it, rather
// than failing with "command not found" (or npx going to look for a package of that name).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
if (existsSync(main)) {
  require(main);
} else {
  process.stderr.write('flowcast: the CLI is not built yet: run `npx nx run cli:build` first\n');
  process.exitCode = 3;
}

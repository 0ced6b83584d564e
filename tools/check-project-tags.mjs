// Fails when a project lacks a scope:* or a type:* tag: such a project would slip past the module
// boundaries that eslint.config.mjs enforces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function* projectFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* projectFiles(path);
    else if (entry.name === 'project.json') yield path;
  }
}

let failures = 0;
let count = 0;
for (const root of ['apps', 'libs', 'tools']) {
  for (const file of projectFiles(root)) {
    count++;
    const { name, tags = [] } = JSON.parse(readFileSync(file, 'utf8'));
    for (const axis of ['scope', 'type']) {
      if (!tags.some((tag) => tag.startsWith(`${axis}:`))) {
        process.stderr.write(`${file}: project ${name} has no ${axis}:* tag\n`);
        failures++;
      }
    }
  }
}
if (failures > 0) process.exit(1);
process.stdout.write(`${count} projects, each with a scope:* and a type:* tag\n`);

// node tools/soak/src/heap-diff.mjs before.heapsnapshot after.heapsnapshot [rows]
// What the heap gained between two snapshots (e.g. `npm run soak -- --heap-snapshots=dir`: at the baseline
// and at the end), by node type and constructor: bytes and count, largest changes first.
import { readFileSync } from 'node:fs';

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

function summarize(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const byName = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]];
    const name = STRING_TYPES.has(type)
      ? '(strings)'
      : type === 'code'
        ? '(code)'
        : `${type}: ${snapshot.strings[snapshot.nodes[i + nameAt]].slice(0, 60)}`;
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt];
    byName.set(name, entry);
  }
  return byName;
}

const [beforeFile, afterFile, rows = '25'] = process.argv.slice(2);
if (!beforeFile || !afterFile)
  throw new Error('usage: heap-diff.mjs before.heapsnapshot after.heapsnapshot [rows]');
const before = summarize(beforeFile);
const after = summarize(afterFile);
const changes = [];
for (const name of new Set([...before.keys(), ...after.keys()])) {
  const a = before.get(name) ?? { count: 0, bytes: 0 };
  const b = after.get(name) ?? { count: 0, bytes: 0 };
  if (a.bytes !== b.bytes || a.count !== b.count)
    changes.push({ name, bytes: b.bytes - a.bytes, count: b.count - a.count });
}
changes.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
const total = changes.reduce((sum, change) => sum + change.bytes, 0);
console.log(`heap ${total >= 0 ? '+' : ''}${total} bytes`);
console.log('| bytes | count | what |\n| ---: | ---: | --- |');
for (const change of changes.slice(0, Number(rows)))
  console.log(`| ${change.bytes} | ${change.count} | ${change.name} |`);

// Prints one closing line for a CI log: "tests: N passed, M failed", summed over every Jest project
// ("Tests: … N passed, M failed, … total") and Playwright ("N passed", "M failed") in the log.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
for (const line of text.split('\n')) {
  const jest = /Tests:\s+(.*)total/.exec(line);
  if (jest) {
    passed += Number(/(\d+) passed/.exec(jest[1])?.[1] ?? 0);
    failed += Number(/(\d+) failed/.exec(jest[1])?.[1] ?? 0);
    continue;
  }
  const playwright = /^\S*:?\s+(\d+) (passed|failed) \(/.exec(line);
  if (playwright) {
    if (playwright[2] === 'passed') passed += Number(playwright[1]);
    else failed += Number(playwright[1]);
  }
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);

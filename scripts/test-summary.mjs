// Adds up vitest's and Playwright's JSON reports into one closing line.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const read = (f) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  } catch {
    return undefined;
  }
};
const v = read('vitest.json');
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
} else failed += 1;
const p = read('playwright.json');
if (p) {
  passed += p.stats.expected;
  failed += p.stats.unexpected + p.stats.flaky * 0;
  skipped += p.stats.skipped;
} else failed += 1;
console.log(`\nall suites: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

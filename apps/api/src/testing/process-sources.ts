// The programs tests start as real processes, and their bundles' file names (bundle-processes.ts
// builds them, process-entry.ts starts them). No vitest import: the global setup reads this too.

/** The programs tests run as processes, relative to apps/api. */
export const PROCESS_SOURCES = [
  'src/main.ts',
  'src/testing/live-order-process.ts',
  'src/testing/schwab-broker-process.ts',
  'src/testing/lock-contender.ts',
  'src/schwab/fake/main.ts',
] as const;
export type ProcessSource = (typeof PROCESS_SOURCES)[number];

/** The bundle's file name for a source: `src/testing/lock-contender.ts` → `src-testing-lock-contender.js`. */
export function bundleName(source: ProcessSource): string {
  return `${source.replace(/\.ts$/, '').replaceAll('/', '-')}.js`;
}

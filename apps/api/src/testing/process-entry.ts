// How a test starts one of the API's programs as a real process: from the bundle that
// bundle-processes.ts built for this run when there is one (one file, starts in about half the
// time), otherwise from the TypeScript source through tsx.
import path from 'node:path';
import { inject } from 'vitest';
import { bundleName, type ProcessSource } from './process-sources.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute directory of this run's process bundles ('' when none were built). */
    processBundles: string;
  }
}

/** node's arguments (before the program's own) to run `source`; the working directory is apps/api. */
export function processArgs(source: ProcessSource): string[] {
  const dir = inject('processBundles');
  return dir ? [path.join(dir, bundleName(source))] : ['--import', 'tsx', source];
}

// vitest global setup: bundles the programs tests start as processes (process-entry.ts) once
// per run, from the current sources, as apps/api/scripts/build.mjs bundles the server. Inside
// apps/api (.tmp/, ignored by git) so the migrator still finds prisma/migrations above it and
// npm packages resolve from apps/api/node_modules.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { bundleName, PROCESS_SOURCES } from './process-sources.ts';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const parent = path.join(apiDir, '.tmp');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, 'process-bundles-'));
  await build({
    entryPoints: Object.fromEntries(PROCESS_SOURCES.map((s) => [bundleName(s).replace(/\.js$/, ''), path.join(apiDir, s)])),
    outdir: dir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'externalize-npm',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@jutsu/') ? undefined : { path: args.path, external: true }));
        },
      },
    ],
    banner: { js: "import { createRequire as __jutsuCreateRequire } from 'node:module'; const require = __jutsuCreateRequire(import.meta.url);" },
  });
  project.provide('processBundles', dir);
  return () => rm(dir, { recursive: true, force: true });
}

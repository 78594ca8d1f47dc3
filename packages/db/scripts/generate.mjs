// Runs `prisma generate` offline. Prisma 7 wants a schema-engine binary path even
// though generate never executes it; the engine download host is unreachable here,
// so we point the variable at an existing file (see docs/decisions.md).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
};
const res = spawnSync(process.execPath, [prismaCli, 'generate'], {
  cwd: path.resolve(here, '..'),
  env,
  stdio: 'inherit',
});
process.exit(res.status ?? 1);

import { defineConfig } from 'vitest/config';

// `pnpm test:resilience`: faults against real processes (the built API, our own PostgreSQL
// cluster and Redis server). Kept out of `vitest run`: slow, and it needs `pnpm build` first.
// One file at a time: each one loads the 2-core machine on its own.
export default defineConfig({
  test: {
    name: 'resilience',
    include: ['apps/api/src/resilience/**/*.resilience.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});

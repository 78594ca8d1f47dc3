import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests (*.int.test.ts) use a real database: in-memory PGlite always, and a
// PostgreSQL server too when TEST_DATABASE_URL is set (CI sets it). The web app's tests use no
// database, so they run once, in their own project; the few that need a DOM ask for one with a
// `// @vitest-environment happy-dom` first line.
const include = ['packages/*/src/**/*.test.ts', 'apps/api/src/**/*.test.ts', 'apps/api/scripts/**/*.test.ts', 'scripts/**/*.test.ts', 'e2e/leaks/**/*.test.ts'];
// The fault suite (*.resilience.test.ts) runs on its own: vitest.resilience.config.ts.
const exclude = [...configDefaults.exclude, '**/*.resilience.test.ts'];
const common = { testTimeout: 60_000, hookTimeout: 90_000, pool: 'forks' as const, exclude };
// Two files at a time even on two cores (vitest's default there is one): most integration
// files spend their time waiting on a server process, a database or argon2 on the libuv pool.
const maxWorkers = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    maxWorkers,
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      { extends: true, test: { name: 'web', include: ['apps/web/src/**/*.test.{ts,tsx}'], environment: 'node', env: { NODE_ENV: 'test' } } },
      { extends: true, test: { ...common, name: 'pglite', include, env: { JUTSU_TEST_DB: 'pglite', NODE_ENV: 'test' } } },
      ...(process.env.TEST_DATABASE_URL
        ? [
            {
              extends: true,
              test: {
                ...common,
                name: 'postgres',
                include: include.map((p) => p.replace('*.test.ts', '*.int.test.ts')),
                env: { JUTSU_TEST_DB: 'postgres', NODE_ENV: 'test' },
              },
            },
          ]
        : []),
    ],
  },
});

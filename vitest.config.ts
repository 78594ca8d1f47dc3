import { defineConfig } from 'vitest/config';

// Integration tests (*.int.test.ts) use a real database: in-memory PGlite always, and a
// PostgreSQL server too when TEST_DATABASE_URL is set (CI sets it).
const include = ['packages/*/src/**/*.test.ts', 'apps/api/src/**/*.test.ts', 'apps/api/scripts/**/*.test.ts'];
const common = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
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

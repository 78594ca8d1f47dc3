import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests (*.int.test.ts) use a real database: in-memory PGlite by default. When
// TEST_DATABASE_URL names a PostgreSQL server (CI sets it) they all run there, and on PGlite
// only the files whose subject behaves differently on the embedded database (PGLITE_ALWAYS: its
// directory, dump, single-session locks and in-process LISTEN/NOTIFY, the CLI on PGlite
// directories, one sign-in path); the e2e suite runs the whole app on PGlite besides. Both full
// passes no longer fit CI's time (docs/decisions.md, "Integration tests on one database in CI").
// The web app's tests use no database, so they run once, in their own project; the few that
// need a DOM ask for one with a `// @vitest-environment happy-dom` first line.
const include = ['packages/*/src/**/*.test.ts', 'apps/api/src/**/*.test.ts', 'apps/api/scripts/**/*.test.ts', 'scripts/**/*.test.ts', 'e2e/leaks/**/*.test.ts'];
// The fault suite (*.resilience.test.ts) runs on its own: vitest.resilience.config.ts.
const exclude = [...configDefaults.exclude, '**/*.resilience.test.ts'];
const PGLITE_ALWAYS = [
  'packages/db/src/migrator.int.test.ts',
  'packages/db/src/advisory-lock.int.test.ts',
  'apps/api/src/backup/backup.int.test.ts',
  'apps/api/src/cli.int.test.ts',
  'apps/api/src/invitation/cli.int.test.ts',
  'apps/api/src/two-factor/cli.int.test.ts',
  'apps/api/src/events/events.int.test.ts',
  'apps/api/src/auth/auth.int.test.ts',
  'apps/api/src/engine/state.int.test.ts',
  'apps/api/src/engine-config/config.int.test.ts',
  'apps/api/src/scheduler/scheduler.int.test.ts',
];
const withServer = Boolean(process.env.TEST_DATABASE_URL);
// Programs the tests start as processes (the CLI, the fake Schwab server, contenders) are
// bundled once per run instead of each start compiling the sources through tsx.
const globalSetup = ['apps/api/src/testing/bundle-processes.ts'];
const common = { testTimeout: 60_000, hookTimeout: 90_000, pool: 'forks' as const, exclude, globalSetup };
// Two files at a time even on two cores (vitest's default there is one): most integration
// files spend their time waiting on a server process, a database or argon2 on the libuv pool.
const maxWorkers = Math.max(2, availableParallelism() - 1);

// The longest files (each over 15 s on the CI machine, most of it real processes and argon2)
// start first, so two workers end together instead of one finishing a long file alone; a fresh
// clone has no timing cache to tell vitest that.
const LONG_FIRST = [
  'apps/api/src/auth/cli.test.ts',
  'apps/api/src/auth/brute-force.int.test.ts',
  'packages/db/src/migrator.int.test.ts',
  'apps/api/src/two-factor/cli.int.test.ts',
  'apps/api/src/invitation/cli.int.test.ts',
  'apps/api/src/cli.test.ts',
  'apps/api/src/backup/backup.int.test.ts',
  'apps/api/src/auth/auth.int.test.ts',
  'apps/api/src/engine/orders.int.test.ts',
  'apps/api/src/auth/credential-guard.int.test.ts',
];
class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i === -1 ? LONG_FIRST.length : i;
    };
    const sorted = await super.sort(files);
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    maxWorkers,
    sequence: { sequencer: LongFirstSequencer },
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      { extends: true, test: { name: 'web', include: ['apps/web/src/**/*.test.{ts,tsx}'], environment: 'node', env: { NODE_ENV: 'test' } } },
      {
        extends: true,
        test: {
          ...common,
          name: 'pglite',
          include,
          exclude: withServer ? [...exclude, ...include.map((p) => p.replace('*.test.ts', '*.int.test.ts'))] : exclude,
          env: { JUTSU_TEST_DB: 'pglite', NODE_ENV: 'test' },
        },
      },
      ...(withServer ? [{ extends: true, test: { ...common, name: 'pglite-always', include: PGLITE_ALWAYS, env: { JUTSU_TEST_DB: 'pglite', NODE_ENV: 'test' } } }] : []),
      ...(withServer
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

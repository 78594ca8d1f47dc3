export { openDatabase, DEFAULT_PGLITE_DIR, type Database, type DatabaseOptions } from './database.ts';
export { migrate, findMigrationsDir, readMigrations, checksumOf, MigrationError, type MigrateResult } from './migrator.ts';
export { redactDatabaseUrl } from './redact-url.ts';
export type { SqlDriver, SqlConnection } from './sql-driver.ts';
export * from './generated/prisma/client.ts';
export { dumpPgliteDir, loadPgliteDir } from './pglite-archive.ts';
export {
  LOCKS,
  SCHEDULER_KEY_NAMESPACE,
  AdvisoryLockError,
  lockKey,
  schedulerLockKey,
  xactLock,
  tryXactLock,
  withXactLock,
  withAdvisoryLock,
  tryAdvisoryLock,
  withSessionLockOn,
  type FixedLockName,
  type LockName,
  type HeldLock,
  type TryLockResult,
} from './advisory-lock.ts';

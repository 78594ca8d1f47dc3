import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { findMigrationsDir, migrate, MigrationError, readMigrations } from './migrator.ts';
import { createServerDatabase, createTestDatabase, testDatabaseKind, type TestDatabase } from './testing.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(() => db.destroy());
  return db;
}

function copyMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-mig-'));
  fs.cpSync(findMigrationsDir(), dir, { recursive: true });
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('migrator', () => {
  it('applies every migration once and records it like Prisma does', async () => {
    const db = await fresh();
    const files = readMigrations(findMigrationsDir());
    const first = await migrate(db.sql);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
      files.map((f) => [f.name, f.checksum, 1]),
    );
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(files[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is a no-op the second time', async () => {
    const db = await fresh();
    await migrate(db.sql);
    const second = await migrate(db.sql);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBeGreaterThan(0);
    const [{ n }] = (await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"')) as [{ n: number }];
    expect(n).toBe(second.alreadyApplied.length);
  });

  it('refuses to run when an applied migration was edited, naming it', async () => {
    const db = await fresh();
    const dir = copyMigrations();
    await migrate(db.sql, dir);
    const name = readMigrations(dir)[0]!.name;
    fs.appendFileSync(path.join(dir, name, 'migration.sql'), '\n-- sneaky edit\n');
    const err = await migrate(db.sql, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).message).toContain(name);
    expect((err as MigrationError).message).toMatch(/modified/);
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const db = await fresh();
    const dir = copyMigrations();
    await migrate(db.sql, dir);
    fs.mkdirSync(path.join(dir, '99999999999999_broken'));
    fs.writeFileSync(path.join(dir, '99999999999999_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;');
    await expect(migrate(db.sql, dir)).rejects.toThrow(/99999999999999_broken/);
    const tables = await db.sql.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(tables).toHaveLength(0);
    const rows = await db.sql.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99999999999999_broken'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses a database that has a migration this build does not know', async () => {
    const db = await fresh();
    await migrate(db.sql);
    await db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('x', 'y', '99999999999999_future', now(), 1)`,
    );
    await expect(migrate(db.sql)).rejects.toThrow(/99999999999999_future/);
  });

  it('two concurrent migrators apply each migration exactly once', async () => {
    if (testDatabaseKind() === 'postgres') {
      // Two independent connections pools: the server's advisory lock is what serialises them.
      const server = await createServerDatabase();
      cleanups.push(() => server.drop());
      const a = await openDatabase({ url: server.url });
      const b = await openDatabase({ url: server.url });
      cleanups.push(() => a.close(), () => b.close());
      const [ra, rb] = await Promise.all([migrate(a.sql), migrate(b.sql)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(readMigrations(findMigrationsDir()).map((m) => m.name));
      const [{ n }] = (await a.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"')) as [{ n: number }];
      expect(n).toBe(readMigrations(findMigrationsDir()).length);
    } else {
      const db = await fresh();
      const [ra, rb] = await Promise.all([migrate(db.sql), migrate(db.sql)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(readMigrations(findMigrationsDir()).map((m) => m.name));
    }
  });

  it('keeps data in a PGlite directory across reopen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-pglite-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const one = await openDatabase({ dataDir: dir });
    await migrate(one.sql);
    await one.prisma.systemState.create({ data: { key: 'probe', value: { ok: true } } });
    await one.close();
    const two = await openDatabase({ dataDir: dir });
    cleanups.push(() => two.close());
    expect((await migrate(two.sql)).applied).toEqual([]);
    expect((await two.prisma.systemState.findUnique({ where: { key: 'probe' } }))?.value).toEqual({ ok: true });
  });
});

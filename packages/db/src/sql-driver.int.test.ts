// The PostgreSQL driver when the server ends a connection the code is holding (a restart sends
// 57P01 to every backend): that call fails, the process does not, and the pool moves on.
import { describe, expect, it } from 'vitest';
import { postgresDriver } from './sql-driver.ts';
import { createServerDatabase, testDatabaseKind } from './testing.ts';

describe.runIf(testDatabaseKind() === 'postgres')('postgres driver', () => {
  it('a connection ended by the server between two queries of withConnection fails that call, not the process, and is not reused', async () => {
    const db = await createServerDatabase();
    const driver = postgresDriver(db.url);
    try {
      const outcome = await driver.withConnection(async (c) => {
        const [me] = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // From another connection, as a restart would: the FATAL reaches this client while it is idle.
        await driver.query('SELECT pg_terminate_backend($1)', [me!.pid]);
        await new Promise((r) => setTimeout(r, 300));
        return c.query('SELECT 1').then(
          () => 'answered',
          (e: Error) => e.message,
        );
      });
      expect(outcome).not.toBe('answered');
      // Every connection the pool hands out afterwards works.
      for (let i = 0; i < 6; i++) expect(await driver.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await driver.close();
      await db.drop();
    }
  });
});

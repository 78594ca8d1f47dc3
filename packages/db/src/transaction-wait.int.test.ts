// A transaction started while every pool connection is busy waits its turn, as a plain query
// does, instead of failing after Prisma's default 2 s (which the soak saw as 500s on sign-in).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { POOL_SIZE } from './database.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db?.destroy();
});

it.skipIf(testDatabaseKind() !== 'postgres')('a transaction waits for a busy pool longer than Prisma’s 2 s default', async () => {
  // Every connection busy for 3 s, longer than the default wait.
  // (A Prisma promise runs only once awaited or then'd.)
  const busy = Array.from({ length: POOL_SIZE }, () => db.prisma.$queryRawUnsafe('SELECT 1 AS slept FROM pg_sleep(3)').then(() => undefined));
  await new Promise((r) => setTimeout(r, 500));
  const inTx = await db.prisma.$transaction(async (tx) => (await tx.$queryRawUnsafe<{ one: number }[]>('SELECT 1 AS one'))[0]?.one);
  await Promise.all(busy);
  expect(inTx).toBe(1);
}, 30_000);

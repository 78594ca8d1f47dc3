// This process's own writes drop the authority cache at once, before the database's
// notification arrives (auth/access-cache.ts): a person who is demoted, signs out or confirms
// their password sees the new state on their very next call here. Other processes and writers
// outside Prisma are covered by the NOTIFY triggers.
import type { PrismaClient } from '@jutsu/db';
import type { AccessCache } from './access-cache.ts';

/** Columns the session guard reads (auth/session-guard.ts); a write of any other changes nothing cached. */
const GUARDED = new Set(['revokedAt', 'authTime', 'amr', 'expiresAt', 'userId', 'id', 'role', 'disabledAt', 'mustChangePassword', 'username']);
const UPDATES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'upsert']);
const DELETES = new Set(['delete', 'deleteMany']);

function touchesGuarded(operation: string, args: unknown): boolean {
  if (DELETES.has(operation)) return true;
  if (!UPDATES.has(operation)) return false;
  const a = args as { data?: unknown; update?: unknown };
  const data = (operation === 'upsert' ? a.update : a.data) as Record<string, unknown> | undefined;
  // Nested writes or anything not a plain object: assume the worst.
  if (!data || typeof data !== 'object') return true;
  return Object.keys(data).some((k) => GUARDED.has(k) || k === 'user' || k === 'sessions');
}

export function dropCacheOnAuthWrites(prisma: PrismaClient, cache: AccessCache): PrismaClient {
  const guarded = {
    async $allOperations({ operation, args, query }: { operation: string; args: unknown; query: (args: unknown) => Promise<unknown> }) {
      const drop = touchesGuarded(operation, args);
      // Before (a concurrent read cannot store what is about to change) and after (nor what it read meanwhile).
      if (drop) cache.dropAll();
      try {
        return await query(args);
      } finally {
        if (drop) cache.dropAll();
      }
    },
  };
  const blacklist = {
    async $allOperations({ operation, args, query }: { operation: string; args: unknown; query: (args: unknown) => Promise<unknown> }) {
      const write = UPDATES.has(operation) || DELETES.has(operation) || operation.startsWith('create');
      try {
        return await query(args);
      } finally {
        if (write) cache.dropAll();
      }
    },
  };
  // Query extensions keep the client's shape; only the type is widened by $extends.
  return prisma.$extends({ name: 'access-cache', query: { session: guarded, user: guarded, blacklistedToken: blacklist } }) as unknown as PrismaClient;
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Heartbeat, SystemInfo, SystemStatus } from '@jutsu/shared';
import { VERSION } from '../services.ts';
import { authedProcedure, publicProcedure, router } from '../trpc/procedures.ts';

export const systemRouter = router({
  /** Public: only what the sign-in page needs. */
  info: publicProcedure.meta({ rateLimit: 'public', audit: false }).query(async ({ ctx }): Promise<SystemInfo> => {
    const cache = ctx.services.accessCache;
    let bootstrapPending = false;
    if (!cache.knownUsersExist()) {
      const ticket = cache.ticket();
      bootstrapPending = (await ctx.services.prisma.user.count()) === 0;
      if (!bootstrapPending) cache.noteUsersExist(ticket);
    }
    return { name: 'Jutsu Labs', bootstrapPending, demo: ctx.services.config.DEMO };
  }),

  /** Version and deployment facts, for signed-in users only. */
  status: authedProcedure.meta({ rateLimit: 'api', audit: false }).query(({ ctx }): SystemStatus => ({
    version: VERSION,
    environment: ctx.services.config.NODE_ENV,
    database: ctx.services.db.kind,
    serverTime: new Date(),
    uptimeSeconds: Math.round((Date.now() - ctx.services.startedAt.getTime()) / 1000),
  })),

  /** A tick every few seconds: proves the WebSocket link end to end. */
  heartbeat: publicProcedure.meta({ rateLimit: 'subscribe', audit: false }).subscription(async function* ({ ctx, signal }) {
    let seq = 0;
    while (!signal?.aborted) {
      const beat: Heartbeat = { seq: seq++, at: new Date() };
      yield beat;
      try {
        await sleep(ctx.services.heartbeatMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }),
});

import { setTimeout as sleep } from 'node:timers/promises';
import type { Heartbeat, SystemInfo } from '@jutsu/shared';
import { VERSION } from '../services.ts';
import { publicProcedure, router } from '../trpc/procedures.ts';

export const systemRouter = router({
  info: publicProcedure.meta({ rateLimit: 'public', audit: false }).query(async ({ ctx }): Promise<SystemInfo> => {
    const users = await ctx.services.prisma.user.count();
    return {
      name: 'Jutsu Labs',
      version: VERSION,
      environment: ctx.services.config.NODE_ENV,
      database: ctx.services.db.kind,
      serverTime: new Date(),
      uptimeSeconds: Math.round((Date.now() - ctx.services.startedAt.getTime()) / 1000),
      bootstrapPending: users === 0,
    };
  }),

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

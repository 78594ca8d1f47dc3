// events.session: tells a signed-in tab the moment its session ends (revoked elsewhere,
// password changed, user disabled), so every open tab returns to the login page at once.
// Live only: a tab that was away reconnects, and a revoked session cannot reconnect.
import { authedProcedure, router } from '../trpc/procedures.ts';

export type SessionEvent = { type: 'revoked'; reason: string };

export const sessionEventsRouter = router({
  session: authedProcedure
    .meta({ rateLimit: 'subscribe', audit: false, passwordChangeExempt: true })
    .subscription(async function* ({ ctx, signal }): AsyncGenerator<SessionEvent> {
      const { userId, sessionId } = ctx.auth;
      const mine = ctx.services.liveBus.subscribe({ signal, accept: (e) => e.topic === 'session' && e.userId === userId });
      for await (const e of mine) {
        if (e.type === 'session.revoked' && (e.payload.sessionIds === 'all' || e.payload.sessionIds.includes(sessionId))) {
          yield { type: 'revoked', reason: e.payload.reason };
          return;
        }
        if (e.type === 'user.disabled') {
          yield { type: 'revoked', reason: 'account_disabled' };
          return;
        }
      }
    }),
});

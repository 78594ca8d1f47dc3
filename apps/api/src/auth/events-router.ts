// events.session: tells a signed-in tab the moment its session ends (revoked elsewhere,
// password changed, user disabled), so every open tab returns to the login page at once.
import { authedProcedure, router } from '../trpc/procedures.ts';

export type SessionEvent = { type: 'revoked'; reason: string };

export const sessionEventsRouter = router({
  session: authedProcedure
    .meta({ rateLimit: 'subscribe', audit: false, passwordChangeExempt: true })
    .subscription(async function* ({ ctx, signal }): AsyncGenerator<SessionEvent> {
      const { userId, sessionId } = ctx.auth;
      for await (const e of ctx.services.liveBus.stream(signal)) {
        if (e.type === 'session.revoked' && e.userId === userId && (e.sessionIds === 'all' || e.sessionIds.includes(sessionId))) {
          yield { type: 'revoked', reason: e.reason };
          return;
        }
        if (e.type === 'user.disabled' && e.userId === userId) {
          yield { type: 'revoked', reason: 'account_disabled' };
          return;
        }
      }
    }),
});

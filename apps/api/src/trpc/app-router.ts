import { sessionEventsRouter } from '../auth/events-router.ts';
import { authRouter } from '../auth/router.ts';
import { systemRouter } from '../system/router.ts';
import { mergeRouters, router } from './procedures.ts';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  events: mergeRouters(sessionEventsRouter),
});

export type AppRouter = typeof appRouter;

import { systemRouter } from '../system/router.ts';
import { router } from './procedures.ts';

export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;

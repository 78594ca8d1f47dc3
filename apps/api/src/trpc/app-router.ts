import { adminRouter } from '../admin/router.ts';
import { configRouter } from '../engine-config/router.ts';
import { dashboardRouter } from '../dashboard/router.ts';
import { engineStateRouter } from '../engine/router.ts';
import { sessionEventsRouter } from '../auth/events-router.ts';
import { authRouter } from '../auth/router.ts';
import { liveEventsRouter } from '../events/router.ts';
import { invitationRouter } from '../invitation/router.ts';
import { passkeyRouter } from '../passkey/router.ts';
import { engineRunRouter } from '../engine/run-router.ts';
import { schedulerRouter } from '../scheduler/router.ts';
import { schwabRouter } from '../schwab/router.ts';
import { systemRouter } from '../system/router.ts';
import { tradingRouter } from '../trading/router.ts';
import { twoFactorRouter } from '../two-factor/router.ts';
import { mergeRouters, router } from './procedures.ts';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  twoFactor: twoFactorRouter,
  invitation: invitationRouter,
  admin: adminRouter,
  passkey: passkeyRouter,
  events: mergeRouters(sessionEventsRouter, liveEventsRouter),
  dashboard: dashboardRouter,
  schwab: schwabRouter,
  engine: mergeRouters(engineStateRouter, engineRunRouter),
  trading: tradingRouter,
  config: configRouter,
  scheduler: schedulerRouter,
});

export type AppRouter = typeof appRouter;

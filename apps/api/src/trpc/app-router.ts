import { adminRouter } from '../admin/router.ts';
import { sessionEventsRouter } from '../auth/events-router.ts';
import { authRouter } from '../auth/router.ts';
import { invitationRouter } from '../invitation/router.ts';
import { passkeyRouter } from '../passkey/router.ts';
import { systemRouter } from '../system/router.ts';
import { twoFactorRouter } from '../two-factor/router.ts';
import { mergeRouters, router } from './procedures.ts';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  twoFactor: twoFactorRouter,
  invitation: invitationRouter,
  admin: adminRouter,
  passkey: passkeyRouter,
  events: mergeRouters(sessionEventsRouter),
});

export type AppRouter = typeof appRouter;

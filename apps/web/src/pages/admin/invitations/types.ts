import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';

type InvitationOutputs = inferRouterOutputs<AppRouter>['invitation'];

/** What invitation.create returns: the only answer that ever carries the link. */
export type CreatedInvitation = InvitationOutputs['create'];

/** One row of invitation.list (never a token or its hash). */
export type InvitationSummary = InvitationOutputs['list'][number];

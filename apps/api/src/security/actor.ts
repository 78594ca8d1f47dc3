// Who a service acts for. A request is a person (signed in or not yet known) with the
// address and browser it came from; a timer (token refresher, account sync, end-of-day
// snapshot, strategy runner) is a system job with no request at all. Services take an
// Actor instead of a request context, so the same code runs from a procedure, the CLI or
// a timer, and every security event says who acted.
import type { SecurityEventInput } from './security-events.ts';

/** Where a request came from. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | undefined;
}

/** A request before anyone is signed in (sign-in, invitation, passkey login). */
export interface AnonymousActor extends RequestOrigin {
  kind: 'anonymous';
}

/** A signed-in person. */
export interface UserActor extends RequestOrigin {
  kind: 'user';
  userId: string;
  username: string;
}

/** Work started by the server itself: printed as `system:<job>`. */
export interface SystemActor {
  kind: 'system';
  job: string;
}

export type RequestActor = AnonymousActor | UserActor;
export type Actor = RequestActor | SystemActor;

const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function systemActor(job: string): SystemActor {
  // The name lands in the security log: a fixed, plain identifier, never free text.
  if (!JOB_NAME.test(job)) throw new Error(`a system job name is 1-64 of a-z, 0-9, ".", "_" or "-": ${JSON.stringify(job)}`);
  return { kind: 'system', job };
}

/** A request's caller: who its access token names, else anonymous. */
export function requestActor(req: RequestOrigin & { auth?: { userId: string; username: string } | undefined }): RequestActor {
  return req.auth ? userActor(req as RequestOrigin & { auth: { userId: string; username: string } }) : { kind: 'anonymous', ip: req.ip, userAgent: req.userAgent };
}

export function userActor(req: RequestOrigin & { auth: { userId: string; username: string } }): UserActor {
  return { kind: 'user', userId: req.auth.userId, username: req.auth.username, ip: req.ip, userAgent: req.userAgent };
}

/** `system:<job>`, `user:<username>` or `anonymous`. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'system':
      return `system:${actor.job}`;
    case 'user':
      return `user:${actor.username}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/**
 * A security event as this actor causes it: a request's address and browser, or for a
 * system job no address and `details.actor = "system:<job>"` (the subject user, if any,
 * stays in userId/username).
 */
export function eventBy(actor: Actor, event: Omit<SecurityEventInput, 'ip' | 'userAgent'>): SecurityEventInput {
  if (actor.kind === 'system') return { ...event, ip: null, userAgent: null, details: { ...event.details, actor: actorLabel(actor) } };
  return { ...event, ip: actor.ip, userAgent: actor.userAgent };
}

/**
 * Procedures served at /api/auth (unbatched, same-origin POST), where the refresh and
 * device cookies (Path=/api/auth) travel: every auth.* procedure plus the other ways a
 * sign-in completes. The SPA's link and the server's mount guards both use this.
 */
export const SESSION_PROCEDURES_OUTSIDE_AUTH = ['passkey.authenticate', 'invitation.accept'] as const;

export function isSessionProcedure(path: string): boolean {
  return /^auth\.[A-Za-z]+$/.test(path) || (SESSION_PROCEDURES_OUTSIDE_AUTH as readonly string[]).includes(path);
}

/** Calls per batched request on /api/trpc: the server refuses more (400), the SPA's batch link sends at most this many. */
export const MAX_BATCH_SIZE = 10;

/**
 * Application close codes (4000–4999) the API uses on /api/ws: on 4001 the SPA refreshes its
 * token and reconnects; on 4003 the session is over and the tab returns to sign-in; 4005 is
 * a server going away (the client reconnects, possibly to another replica).
 */
export const WS_CLOSE = {
  tokenExpired: 4001,
  sessionRevoked: 4003,
  shuttingDown: 4005,
} as const;

/**
 * Procedures served at /api/auth (unbatched, same-origin POST), where the refresh and
 * device cookies (Path=/api/auth) travel: every auth.* procedure plus the other ways a
 * sign-in completes. The SPA's link and the server's mount guards both use this.
 */
export const SESSION_PROCEDURES_OUTSIDE_AUTH = ['passkey.authenticate', 'invitation.accept'] as const;

export function isSessionProcedure(path: string): boolean {
  return /^auth\.[A-Za-z]+$/.test(path) || (SESSION_PROCEDURES_OUTSIDE_AUTH as readonly string[]).includes(path);
}

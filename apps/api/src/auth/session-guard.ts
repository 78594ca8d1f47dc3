// Turns verified access-token claims into the caller's live authority: the session must
// still exist and be unrevoked, the token not blacklisted, the user not disabled. The role
// comes from the database, so a demotion takes effect on the next call. With an AccessCache
// (auth/access-cache.ts) a repeated call answers from memory until the database says that
// user's state changed.
import type { PrismaClient } from '@jutsu/db';
import type { AccessCache } from './access-cache.ts';
import type { AccessClaims } from './access-token.ts';
import type { AuthState } from './auth-state.ts';

export type AccessRefusal = 'session_revoked' | 'token_revoked' | 'user_disabled' | 'session_expired';

export async function resolveAccess(prisma: PrismaClient, claims: AccessClaims, cache?: AccessCache): Promise<AuthState | { refused: AccessRefusal }> {
  const hit = cache?.get(claims.jti);
  if (hit && hit.state.sessionId === claims.sid && hit.state.userId === claims.sub) return { ...hit.state, amr: [...hit.state.amr] };
  const ticket = cache?.ticket() ?? 0;
  const [session, blacklisted] = await Promise.all([
    prisma.session.findUnique({
      where: { id: claims.sid },
      select: {
        userId: true,
        revokedAt: true,
        expiresAt: true,
        authTime: true,
        amr: true,
        user: { select: { id: true, username: true, role: true, disabledAt: true, mustChangePassword: true } },
      },
    }),
    prisma.blacklistedToken.findUnique({ where: { jti: claims.jti }, select: { jti: true } }),
  ]);
  if (blacklisted) return { refused: 'token_revoked' };
  if (!session || session.userId !== claims.sub || session.revokedAt) return { refused: 'session_revoked' };
  if (session.expiresAt.getTime() <= Date.now()) return { refused: 'session_expired' };
  if (session.user.disabledAt) return { refused: 'user_disabled' };
  const state: AuthState = {
    userId: session.user.id,
    username: session.user.username,
    role: session.user.role,
    sessionId: claims.sid,
    jti: claims.jti,
    tokenExpiresAt: new Date(claims.exp * 1000),
    authTime: session.authTime,
    amr: session.amr,
    mustChangePassword: session.user.mustChangePassword,
  };
  cache?.set(claims.jti, { state, sessionExpiresAt: session.expiresAt }, ticket);
  return state;
}

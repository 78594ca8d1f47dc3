// The one way a sign-in ends (password + second factor, passkey, accepted invitation):
// a new session, a refresh cookie, an access token.
import type { User } from '@jutsu/db';
import type { Context } from '../trpc/context.ts';
import { publicUser, type PublicUser } from './accounts.ts';
import { REFRESH_COOKIE, setCookie } from './cookies.ts';
import { noteDevice } from './new-device.ts';

export interface SignedIn {
  status: 'ok';
  accessToken: string;
  accessTokenExpiresAt: Date;
  user: PublicUser;
}

export function accountThrottleKey(username: string): string {
  return `acct:${username.normalize('NFKC').toLowerCase().slice(0, 64)}`;
}

export async function completeSignIn(ctx: Context, user: User, amr: string[], opts: { passkeyId?: string } = {}): Promise<SignedIn> {
  const { sessions, accessTokens, prisma, rateLimits } = ctx.services;
  const { session, refreshToken } = await sessions.start(user.id, { amr, ip: ctx.ip, userAgent: ctx.userAgent, ...opts });
  setCookie(ctx, REFRESH_COOKIE, refreshToken, (session.expiresAt.getTime() - Date.now()) / 1000);
  const { token, claims } = await accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role });
  const updated = await prisma.user.update({
    where: { id: user.id },
    data: { lastLoginAt: new Date(), lastLoginIp: ctx.ip, failedLoginCount: 0, lastFailedLoginAt: null },
  });
  await rateLimits.reset('loginAccount', accountThrottleKey(user.username));
  await noteDevice(ctx, updated);
  ctx.audit.userId = user.id;
  ctx.audit.username = user.username;
  ctx.audit.details = { ...ctx.audit.details, method: amr.join('+'), sessionId: session.id };
  return { status: 'ok', accessToken: token, accessTokenExpiresAt: new Date(claims.exp * 1000), user: publicUser(updated) };
}

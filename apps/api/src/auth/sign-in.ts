// The one way a sign-in ends (password + second factor, passkey, accepted invitation): a
// new session, an access token, the device noted. The caller (a router) sets the cookies
// and the audit note from what this returns. The throttle every credential check shares is
// in credential-guard.ts.
import type { User } from '@jutsu/db';
import type { RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { publicUser, type PublicUser } from './accounts.ts';
import { accountThrottleKey } from './credential-guard.ts';
import { noteDevice, type NewDeviceDeps } from './new-device.ts';

export interface SignedIn {
  status: 'ok';
  accessToken: string;
  accessTokenExpiresAt: Date;
  user: PublicUser;
}

export type SignInDeps = Pick<AppServices, 'sessions' | 'accessTokens' | 'prisma' | 'rateLimits'> & NewDeviceDeps;

/** What completeSignIn did: the response body and what the router puts in cookies. */
export interface SignInOutcome {
  body: SignedIn;
  sessionId: string;
  amr: string[];
  refreshToken: string;
  refreshExpiresAt: Date;
  /** The browser's device id (new when it had none) and whether the account knew it. */
  device: { id: string; isNew: boolean };
}

export async function completeSignIn(
  deps: SignInDeps,
  actor: RequestActor,
  input: { user: User; amr: string[]; passkeyId?: string; deviceId: string | undefined },
): Promise<SignInOutcome> {
  const { sessions, accessTokens, prisma, rateLimits } = deps;
  const { user, amr } = input;
  const { session, refreshToken } = await sessions.start(user.id, {
    amr,
    ip: actor.ip,
    userAgent: actor.userAgent,
    ...(input.passkeyId !== undefined ? { passkeyId: input.passkeyId } : {}),
  });
  const { token, claims } = await accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role });
  // Only a correct password clears the password throttle: a passkey sign-in by the owner
  // must not hand an attacker guessing the password a fresh set of free attempts.
  const passwordProved = amr.includes('pwd');
  const updated = await prisma.user.update({
    where: { id: user.id },
    data: { lastLoginAt: new Date(), lastLoginIp: actor.ip, ...(passwordProved ? { failedLoginCount: 0, lastFailedLoginAt: null } : {}) },
  });
  if (passwordProved) await rateLimits.reset('loginAccount', accountThrottleKey(user.username));
  const device = await noteDevice(deps, actor, { user: updated, deviceId: input.deviceId });
  return {
    body: { status: 'ok', accessToken: token, accessTokenExpiresAt: new Date(claims.exp * 1000), user: publicUser(updated) },
    sessionId: session.id,
    amr,
    refreshToken,
    refreshExpiresAt: session.expiresAt,
    device,
  };
}

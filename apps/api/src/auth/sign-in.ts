// The one way a sign-in ends (password + second factor, passkey, accepted invitation): a
// new session, an access token, the device noted, written in one statement (sign-in-writes.ts).
// The caller (a router) sets the cookies and the audit note from what this returns. The throttle every credential check shares is
// in credential-guard.ts.
import type { User } from '@jutsu/db';
import type { RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { publicUser, type PublicUser } from './accounts.ts';
import { accountThrottleKey } from './credential-guard.ts';
import { announceDevice, type NewDeviceDeps } from './new-device.ts';
import { randomToken } from './secrets.ts';
import { newSessionId, writeSignIn } from './sign-in-writes.ts';
import { appError } from '../trpc/errors.ts';

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
  const now = new Date();
  const sessionId = newSessionId();
  const refreshToken = randomToken();
  const deviceId = input.deviceId ?? randomToken();
  const expiresAt = new Date(now.getTime() + sessions.policy.lifetimeMs);
  // Only a correct password clears the password throttle: a passkey sign-in by the owner
  // must not hand an attacker guessing the password a fresh set of free attempts.
  const passwordProved = amr.includes('pwd');
  const written = await writeSignIn(prisma, {
    userId: user.id,
    amr,
    passwordProved,
    passkeyId: input.passkeyId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    sessionId,
    expiresAt,
    refreshToken,
    deviceId,
    now,
  });
  // Disabled (or deleted) between the credential check and here: no session was opened.
  if (!written) throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
  const updated: User = { ...user, ...written.user, role: written.user.role as User['role'], lastLoginAt: now, lastLoginIp: actor.ip };
  const { token, claims } = await accessTokens.issue({ userId: user.id, sessionId, role: updated.role });
  if (passwordProved) await rateLimits.reset('loginAccount', accountThrottleKey(user.username));
  const isNew = await announceDevice(deps, actor, { user: updated, ...written.device });
  return {
    body: { status: 'ok', accessToken: token, accessTokenExpiresAt: new Date(claims.exp * 1000), user: publicUser(updated) },
    sessionId,
    amr,
    refreshToken,
    refreshExpiresAt: expiresAt,
    device: { id: deviceId, isNew },
  };
}

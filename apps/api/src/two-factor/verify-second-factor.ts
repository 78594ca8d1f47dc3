// auth.verifySecondFactor: the second step of a password login. The challenge from
// auth.login is single use and allows MAX_CHALLENGE_ATTEMPTS tries; every wrong code also
// counts toward the account's sign-in failure limit.
// Served through auth/router.ts; the throttle (auth/credential-guard.ts) and sign-in are auth services.
import { verifySecondFactorInput } from '@jutsu/shared';
import { deviceIdFrom, respondSignedIn } from '../auth/cookies.ts';
import { MAX_CHALLENGE_ATTEMPTS } from '../auth/login-challenges.ts';
import { sha256 } from '../auth/secrets.ts';
import { reserveCredentialAttempt } from '../auth/credential-guard.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import { requestActor } from '../security/actor.ts';
import { appError } from '../trpc/errors.ts';
import { publicProcedure } from '../trpc/procedures.ts';
import { useSecondFactorCode } from './second-factor.ts';

const challengeInvalid = () => appError('UNAUTHORIZED', 'CHALLENGE_INVALID', 'This sign-in has expired or was cancelled. Sign in again.');

export const verifySecondFactorProcedure = publicProcedure
  .meta({ rateLimit: 'secondFactor', audit: 'auth.second_factor' })
  .input(verifySecondFactorInput)
  .mutation(async ({ ctx, input }) => {
    const { prisma, loginChallenges } = ctx.services;
    ctx.audit.details = { method: 'second_factor' };
    // Read first (without spending an attempt) to know whose account to check the throttle of.
    const pending = await prisma.loginChallenge.findUnique({ where: { tokenHash: sha256(input.challengeToken) }, include: { user: true } });
    if (!pending || pending.consumedAt || pending.expiresAt <= new Date() || pending.attempts >= MAX_CHALLENGE_ATTEMPTS) throw challengeInvalid();
    ctx.audit.userId = pending.userId;
    ctx.audit.username = pending.user.username;
    // Every code counts toward the account's throttle, reserved before it is checked.
    const actor = requestActor(ctx);
    const attempt = await reserveCredentialAttempt(ctx.services, actor, { name: pending.user.username, user: pending.user });

    const challenge = await loginChallenges.beginAttempt(input.challengeToken);
    if (!challenge) throw challengeInvalid();
    const user = await prisma.user.findUniqueOrThrow({ where: { id: challenge.userId } });
    if (user.disabledAt || user.lockedAt || !user.totpEnabledAt) {
      await attempt.release();
      await loginChallenges.kill(challenge.id);
      if (user.disabledAt) throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      if (user.lockedAt) throw appError('FORBIDDEN', 'ACCOUNT_LOCKED', 'This account is locked. An administrator can unlock it (jutsu users unlock).');
      throw challengeInvalid();
    }

    const use = await useSecondFactorCode(ctx.services, actor, { user, code: input.code });
    if (!use.ok) {
      await attempt.failed();
      const attemptsLeft = Math.max(0, MAX_CHALLENGE_ATTEMPTS - challenge.attempts);
      if (attemptsLeft === 0) await loginChallenges.kill(challenge.id);
      ctx.audit.details = { method: use.method, why: use.why, attemptsLeft };
      const last = attemptsLeft === 0 ? ' No tries are left: sign in again.' : '';
      throw use.why === 'replayed'
        ? appError('UNAUTHORIZED', 'CODE_REPLAYED', `That code was already used. Wait for the next one.${last}`, { attemptsLeft })
        : appError('UNAUTHORIZED', 'CODE_INVALID', `That code is not correct.${last}`, { attemptsLeft });
    }
    if (!(await loginChallenges.complete(challenge.id))) throw challengeInvalid();
    const amr = ['pwd', use.method === 'totp' ? 'otp' : 'backup'];
    const signedIn = respondSignedIn(ctx, await completeSignIn(ctx.services, actor, { user, amr, deviceId: deviceIdFrom(ctx) }));
    return { ...signedIn, secondFactor: use.method, backupCodesRemaining: use.backupCodesRemaining };
  });

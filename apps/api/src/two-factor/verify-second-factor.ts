// auth.verifySecondFactor: the second step of a password login. The challenge from
// auth.login is single use and allows MAX_CHALLENGE_ATTEMPTS tries; every wrong code also
// counts toward the account's sign-in failure limit.
// Only auth/router.ts imports this module (it imports auth/router.ts back, lazily used).
import { z } from 'zod';
import { assertNotThrottled, recordCredentialFailure } from '../auth/router.ts';
import { MAX_CHALLENGE_ATTEMPTS } from '../auth/login-challenges.ts';
import { sha256 } from '../auth/secrets.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import { appError } from '../trpc/errors.ts';
import { publicProcedure } from '../trpc/procedures.ts';
import { codeInput, useSecondFactorCode } from './second-factor.ts';

const challengeInvalid = () => appError('UNAUTHORIZED', 'CHALLENGE_INVALID', 'This sign-in has expired or was cancelled. Sign in again.');

export const verifySecondFactorProcedure = publicProcedure
  .meta({ rateLimit: 'secondFactor', audit: 'auth.second_factor' })
  .input(z.object({ challengeToken: z.string().min(16).max(128), code: codeInput }))
  .mutation(async ({ ctx, input }) => {
    const { prisma, loginChallenges } = ctx.services;
    ctx.audit.details = { method: 'second_factor' };
    // Read first (without spending an attempt) to know whose account to check the throttle of.
    const pending = await prisma.loginChallenge.findUnique({ where: { tokenHash: sha256(input.challengeToken) }, include: { user: true } });
    if (!pending || pending.consumedAt || pending.expiresAt <= new Date() || pending.attempts >= MAX_CHALLENGE_ATTEMPTS) throw challengeInvalid();
    ctx.audit.userId = pending.userId;
    ctx.audit.username = pending.user.username;
    await assertNotThrottled(ctx, pending.user.username);

    const challenge = await loginChallenges.beginAttempt(input.challengeToken);
    if (!challenge) throw challengeInvalid();
    const user = await prisma.user.findUniqueOrThrow({ where: { id: challenge.userId } });
    if (user.disabledAt || user.lockedAt || !user.totpEnabledAt) {
      await loginChallenges.kill(challenge.id);
      if (user.disabledAt) throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      if (user.lockedAt) throw appError('FORBIDDEN', 'ACCOUNT_LOCKED', 'This account is locked. An administrator can unlock it (jutsu users unlock).');
      throw challengeInvalid();
    }

    const use = await useSecondFactorCode(ctx, user, input.code);
    if (!use.ok) {
      await recordCredentialFailure(ctx, user, user.username);
      const attemptsLeft = Math.max(0, MAX_CHALLENGE_ATTEMPTS - challenge.attempts);
      if (attemptsLeft === 0) await loginChallenges.kill(challenge.id);
      ctx.audit.details = { method: use.method, why: use.why, attemptsLeft };
      const last = attemptsLeft === 0 ? ' No tries are left: sign in again.' : '';
      throw use.why === 'replayed'
        ? appError('UNAUTHORIZED', 'CODE_REPLAYED', `That code was already used. Wait for the next one.${last}`, { attemptsLeft })
        : appError('UNAUTHORIZED', 'CODE_INVALID', `That code is not correct.${last}`, { attemptsLeft });
    }
    if (!(await loginChallenges.complete(challenge.id))) throw challengeInvalid();
    const signedIn = await completeSignIn(ctx, user, ['pwd', use.method === 'totp' ? 'otp' : 'backup']);
    return { ...signedIn, secondFactor: use.method, backupCodesRemaining: use.backupCodesRemaining };
  });

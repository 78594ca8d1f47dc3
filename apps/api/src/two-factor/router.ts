// twoFactor.*: enrolment (setup → enable), status, disabling and new backup codes for the
// signed-in user. Secrets are stored only through the keyring; codes are shown once.
import QRCode from 'qrcode';
import { loadPasswordPolicy, twoFactorCodeInput, twoFactorDisableInput } from '@jutsu/shared';
import type { User } from '@jutsu/db';
import { verifyPassword } from '../auth/passwords.ts';
import { reserveCredentialAttempt, type CredentialAttempt } from '../auth/credential-guard.ts';
import { userActor } from '../security/actor.ts';
import type { AuthedContext } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { authedProcedure, router } from '../trpc/procedures.ts';
import { countBackupCodes, generateBackupCodes, hashBackupCodes, storeBackupCodes } from './backup-codes.ts';
import { useSecondFactorCode, type CodeUse } from './second-factor.ts';
import {
  matchTotp,
  newTotpSecret,
  normaliseCodeInput,
  openPendingSecret,
  otpauthUri,
  PENDING_SETUP_TTL_MS,
  sealTotpSecret,
  stepStart,
} from './totp.ts';

async function currentUser(ctx: AuthedContext): Promise<User> {
  return ctx.services.prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
}

function requireEnabled(user: User): void {
  if (!user.totpEnabledAt) throw appError('BAD_REQUEST', 'TWO_FACTOR_NOT_ENABLED', 'Two-factor sign-in is not on for this account.');
}

function codeRefused(use: Extract<CodeUse, { ok: false }>) {
  return use.why === 'replayed'
    ? appError('UNAUTHORIZED', 'CODE_REPLAYED', 'That code was already used. Wait for the next one.')
    : appError('UNAUTHORIZED', 'CODE_INVALID', 'That code is not correct.');
}

function reserveFor(ctx: AuthedContext, user: User): Promise<CredentialAttempt> {
  return reserveCredentialAttempt(ctx.services, userActor(ctx), { name: user.username, user });
}

/**
 * Checks a code of the account's second factor through the credential guard (reserved before
 * the check; a wrong one counts like a failed sign-in), in the caller's attempt when it has one.
 */
async function proveSecondFactor(ctx: AuthedContext, user: User, code: string, reserved?: CredentialAttempt): Promise<Extract<CodeUse, { ok: true }>> {
  const attempt = reserved ?? (await reserveFor(ctx, user));
  const use = await useSecondFactorCode(ctx.services, userActor(ctx), { user, code, warnWhenLow: false });
  if (!use.ok) {
    await attempt.failed();
    ctx.audit.details = { ...ctx.audit.details, method: use.method, why: use.why };
    throw codeRefused(use);
  }
  await attempt.succeeded();
  ctx.audit.details = { ...ctx.audit.details, method: use.method };
  return use;
}

export const twoFactorRouter = router({
  status: authedProcedure.meta({ rateLimit: 'api', audit: false }).query(async ({ ctx }) => {
    const { prisma } = ctx.services;
    const user = await currentUser(ctx);
    const [backupCodesRemaining, lastBackup] = await Promise.all([
      countBackupCodes(prisma, user.id),
      prisma.backupCode.findFirst({ where: { userId: user.id, usedAt: { not: null } }, orderBy: { usedAt: 'desc' }, select: { usedAt: true } }),
    ]);
    const lastTotp = user.totpLastStep === null ? null : stepStart(user.totpLastStep);
    const lastBackupAt = lastBackup?.usedAt ?? null;
    const lastUsed =
      lastBackupAt && (!lastTotp || lastBackupAt > lastTotp)
        ? { at: lastBackupAt, method: 'backup_code' as const }
        : lastTotp
          ? { at: lastTotp, method: 'totp' as const }
          : null;
    const pendingUntil = user.totpPendingCreatedAt ? new Date(user.totpPendingCreatedAt.getTime() + PENDING_SETUP_TTL_MS) : null;
    return {
      enabled: user.totpEnabledAt !== null,
      enabledAt: user.totpEnabledAt,
      backupCodesRemaining: user.totpEnabledAt ? backupCodesRemaining : 0,
      lastUsedAt: lastUsed?.at ?? null,
      lastUsedMethod: lastUsed?.method ?? null,
      setupPending: !user.totpEnabledAt && user.totpPendingSecret !== null && pendingUntil !== null && pendingUntil > new Date(),
    };
  }),

  /** Starts (or restarts) enrolment: a new secret, pending until enable() confirms a code. */
  setup: authedProcedure.meta({ rateLimit: 'sensitive', audit: 'two_factor.setup_started', recentAuthMinutes: 10 }).mutation(async ({ ctx }) => {
    const { prisma, keyring } = ctx.services;
    const user = await currentUser(ctx);
    if (user.totpEnabledAt) throw appError('CONFLICT', 'TWO_FACTOR_ALREADY_ENABLED', 'Two-factor sign-in is already on. Turn it off first to use a new authenticator.');
    if (!keyring.configured) {
      throw appError('PRECONDITION_FAILED', 'TWO_FACTOR_UNAVAILABLE', 'Two-factor sign-in cannot be set up: the server has no ENCRYPTION_KEYS. Ask the operator.');
    }
    const secret = newTotpSecret();
    const now = new Date();
    const saved = await prisma.user.updateMany({
      where: { id: user.id, totpEnabledAt: null },
      data: { totpPendingSecret: sealTotpSecret(keyring, user.id, secret, 'totp_pending_secret'), totpPendingCreatedAt: now },
    });
    if (saved.count !== 1) throw appError('CONFLICT', 'TWO_FACTOR_ALREADY_ENABLED', 'Two-factor sign-in is already on.');
    const uri = otpauthUri(secret, user.username);
    const qrDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
    return { secret, otpauthUri: uri, qrDataUrl, expiresAt: new Date(now.getTime() + PENDING_SETUP_TTL_MS) };
  }),

  /** Confirms enrolment with a code from the new secret; returns the backup codes, once. */
  enable: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'two_factor.enabled' })
    .input(twoFactorCodeInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, keyring, sessions } = ctx.services;
      const user = await currentUser(ctx);
      if (user.totpEnabledAt) throw appError('CONFLICT', 'TWO_FACTOR_ALREADY_ENABLED', 'Two-factor sign-in is already on.');
      const pendingAt = user.totpPendingCreatedAt;
      if (!user.totpPendingSecret || !pendingAt || pendingAt.getTime() + PENDING_SETUP_TTL_MS <= Date.now()) {
        throw appError('BAD_REQUEST', 'TWO_FACTOR_SETUP_REQUIRED', 'Start the setup again: it was not started or has expired.');
      }
      const secret = openPendingSecret(keyring, user);
      const match = await matchTotp(secret, normaliseCodeInput(input.code), null);
      if (match.kind !== 'ok') throw appError('BAD_REQUEST', 'CODE_INVALID', 'That code is not correct. Check the time on your device and try the next code.');
      const backupCodes = generateBackupCodes();
      const hashes = await hashBackupCodes(backupCodes);
      const enabled = await prisma.$transaction(async (tx) => {
        const res = await tx.user.updateMany({
          // Only the enrolment this code was checked against (a concurrent setup() replaced it otherwise).
          where: { id: user.id, totpEnabledAt: null, totpPendingSecret: user.totpPendingSecret },
          data: {
            totpSecret: sealTotpSecret(keyring, user.id, secret, 'totp_secret'),
            totpEnabledAt: new Date(),
            // The confirming code is used up too.
            totpLastStep: BigInt(match.step),
            totpPendingSecret: null,
            totpPendingCreatedAt: null,
          },
        });
        if (res.count !== 1) return false;
        await storeBackupCodes(tx, user.id, hashes);
        return true;
      });
      if (!enabled) throw appError('CONFLICT', 'TWO_FACTOR_SETUP_REQUIRED', 'The setup changed meanwhile. Start it again.');
      const revoked = await sessions.revoke({ userId: user.id, exceptSessionId: ctx.auth.sessionId }, 'two_factor_enabled');
      ctx.audit.severity = 'warning';
      ctx.audit.details = { otherSessionsRevoked: revoked.length };
      return { enabled: true as const, backupCodes, otherSessionsRevoked: revoked.length };
    }),

  /** Needs the password and a code (TOTP or backup). Ends every other session. */
  disable: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'two_factor.disabled' })
    .input(twoFactorDisableInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma, sessions } = ctx.services;
      const user = await currentUser(ctx);
      requireEnabled(user);
      const attempt = await reserveFor(ctx, user);
      // The password first: a wrong one must not use up the code.
      if (!(await verifyPassword(user.passwordHash, input.password)).ok) {
        await attempt.failed();
        ctx.audit.details = { why: 'bad_password' };
        throw appError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'The password is not correct.');
      }
      await proveSecondFactor(ctx, user, input.code, attempt);
      // Without a second factor the longer single-factor minimum applies again.
      const mustChangePassword = !(await loadPasswordPolicy())({ password: input.password, username: user.username, hasSecondFactor: false }).ok;
      const disabled = await prisma.$transaction(async (tx) => {
        const res = await tx.user.updateMany({
          where: { id: user.id, totpEnabledAt: { not: null } },
          data: {
            totpSecret: null,
            totpEnabledAt: null,
            totpLastStep: null,
            totpPendingSecret: null,
            totpPendingCreatedAt: null,
            ...(mustChangePassword ? { mustChangePassword: true } : {}),
          },
        });
        await tx.backupCode.deleteMany({ where: { userId: user.id } });
        return res.count === 1;
      });
      if (!disabled) throw appError('BAD_REQUEST', 'TWO_FACTOR_NOT_ENABLED', 'Two-factor sign-in is not on for this account.');
      const revoked = await sessions.revoke({ userId: user.id, exceptSessionId: ctx.auth.sessionId }, 'two_factor_disabled');
      ctx.audit.severity = 'critical';
      ctx.audit.details = { ...ctx.audit.details, otherSessionsRevoked: revoked.length, mustChangePassword };
      return { enabled: false as const, otherSessionsRevoked: revoked.length, mustChangePassword };
    }),

  /** Replaces every backup code (the old ones stop working); needs a code. */
  regenerateBackupCodes: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'two_factor.backup_codes_regenerated' })
    .input(twoFactorCodeInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      const user = await currentUser(ctx);
      requireEnabled(user);
      await proveSecondFactor(ctx, user, input.code);
      const backupCodes = generateBackupCodes();
      const hashes = await hashBackupCodes(backupCodes);
      const stored = await prisma.$transaction(async (tx) => {
        // Holds the row so a concurrent disable cannot leave codes behind for a disabled factor.
        const still = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM users WHERE id = ${user.id}::uuid AND totp_enabled_at IS NOT NULL FOR UPDATE`;
        if (still.length !== 1) return false;
        await storeBackupCodes(tx, user.id, hashes);
        return true;
      });
      if (!stored) throw appError('BAD_REQUEST', 'TWO_FACTOR_NOT_ENABLED', 'Two-factor sign-in is not on for this account.');
      ctx.audit.severity = 'warning';
      return { backupCodes, backupCodesRemaining: backupCodes.length };
    }),
});

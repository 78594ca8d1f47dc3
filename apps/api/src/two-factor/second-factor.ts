// Using a second-factor code (TOTP or backup code) for an enabled account: the one check
// behind auth.verifySecondFactor, twoFactor.disable and twoFactor.regenerateBackupCodes.
// It consumes what it accepts and writes the events; counting failures is the caller's.
import { TRPCError } from '@trpc/server';
import type { PrismaClient, User } from '@jutsu/db';
import { KeyringError } from '../security/keyring.ts';
import { eventBy, type RequestActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
import { BACKUP_CODES_LOW, consumeBackupCode, countBackupCodes } from './backup-codes.ts';
import { claimTotpStep, looksLikeTotp, matchTotp, normaliseCodeInput, openTotpSecret } from './totp.ts';

export type SecondFactorMethod = 'totp' | 'backup_code';

/** What auth.login offers next: backup codes only while some are left. */
export async function secondFactorMethods(prisma: PrismaClient, userId: string): Promise<SecondFactorMethod[]> {
  return (await countBackupCodes(prisma, userId)) > 0 ? ['totp', 'backup_code'] : ['totp'];
}

export type CodeUse =
  | { ok: true; method: SecondFactorMethod; backupCodesRemaining: number }
  | { ok: false; method: SecondFactorMethod; why: 'invalid' | 'replayed' };

export type SecondFactorDeps = Pick<AppServices, 'prisma' | 'keyring' | 'securityEvents'>;

export async function useSecondFactorCode(
  deps: SecondFactorDeps,
  actor: RequestActor,
  input: { user: User; code: string; warnWhenLow?: boolean },
): Promise<CodeUse> {
  const { prisma, keyring, securityEvents } = deps;
  const { user } = input;
  const event = (type: string, severity: 'warning' | 'critical', details: Record<string, unknown>) =>
    securityEvents.record(eventBy(actor, { type, severity, userId: user.id, username: user.username, details }));
  const code = normaliseCodeInput(input.code);
  if (!user.totpEnabledAt || !user.totpSecret) return { ok: false, method: 'totp', why: 'invalid' };

  if (looksLikeTotp(code)) {
    let secret: string;
    try {
      secret = openTotpSecret(keyring, user);
    } catch (err) {
      if (!(err instanceof KeyringError)) throw err;
      // Wrong keys or a value moved between rows: nobody can pass, and the owner must know.
      await event('two_factor.secret_unreadable', 'critical', { kind: err.kind, keyId: err.keyId ?? null });
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The second factor cannot be checked right now.', cause: err });
    }
    const match = await matchTotp(secret, code, user.totpLastStep);
    if (match.kind === 'invalid') return { ok: false, method: 'totp', why: 'invalid' };
    // The claim, not the read above, decides: of two simultaneous uses one wins.
    if (match.kind === 'ok' && (await claimTotpStep(prisma, user.id, match.step))) {
      return { ok: true, method: 'totp', backupCodesRemaining: await countBackupCodes(prisma, user.id) };
    }
    await event('two_factor.code_replayed', 'warning', { step: match.step });
    return { ok: false, method: 'totp', why: 'replayed' };
  }

  const use = await consumeBackupCode(prisma, user.id, code);
  if (!use.ok) {
    if (use.why === 'used_meanwhile') {
      await event('two_factor.code_replayed', 'warning', { method: 'backup_code' });
      return { ok: false, method: 'backup_code', why: 'replayed' };
    }
    return { ok: false, method: 'backup_code', why: 'invalid' };
  }
  await event('two_factor.backup_code_used', 'warning', { remaining: use.remaining });
  if (input.warnWhenLow !== false && use.remaining <= BACKUP_CODES_LOW) {
    // Critical, so the alert pipeline tells the owner as well as the UI telling the user.
    await event('two_factor.backup_codes_low', 'critical', { remaining: use.remaining });
  }
  return { ok: true, method: 'backup_code', backupCodesRemaining: use.remaining };
}

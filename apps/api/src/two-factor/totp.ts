// TOTP (RFC 6238 through otplib): 160-bit secrets, 6 digits, 30 s steps, ±1 step. A code
// is accepted once: the step it matched is stored, and only a later step is accepted after
// it, claimed by one conditional UPDATE so two simultaneous requests cannot both win.
import { generateSecret, generateURI, verify } from 'otplib';
import type { PrismaClient, User } from '@jutsu/db';
import type { Keyring } from '../security/keyring.ts';

export const TOTP_ISSUER = 'Jutsu Labs';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the server's: one (see docs/decisions.md). */
export const TOTP_TOLERANCE_STEPS = 1;
/** 20 bytes = 160 bits (RFC 4226's recommended length). */
export const TOTP_SECRET_BYTES = 20;
/** How long a started enrolment may be confirmed with enable(). */
export const PENDING_SETUP_TTL_MS = 15 * 60_000;

const OPTIONS = { algorithm: 'sha1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS } as const;

export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

export function otpauthUri(secret: string, username: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret, ...OPTIONS });
}

/** Typed codes: NFKC (full-width digits), no spaces or dashes. */
export function normaliseCodeInput(input: string): string {
  return input.normalize('NFKC').replace(/[\s\-\u2010-\u2015\u2212]/g, '').toUpperCase();
}

export function looksLikeTotp(normalised: string): boolean {
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(normalised);
}

/** The matched time step (otplib's result type also covers HOTP, which has none). */
function stepOf(result: Awaited<ReturnType<typeof verify>>): number | undefined {
  return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : undefined;
}

export type TotpMatch = { kind: 'ok'; step: number } | { kind: 'replayed'; step: number } | { kind: 'invalid' };

/**
 * Checks a code against the secret within ±1 step of `nowMs`. With `lastStep`, a code of
 * that step or an earlier one is reported as replayed. The claim itself is `claimTotpStep`.
 */
export async function matchTotp(secret: string, code: string, lastStep: bigint | number | null, nowMs = Date.now()): Promise<TotpMatch> {
  if (!looksLikeTotp(code)) return { kind: 'invalid' };
  const epoch = Math.floor(nowMs / 1000);
  const tolerance = TOTP_TOLERANCE_STEPS * TOTP_PERIOD_SECONDS;
  const base = { secret, token: code, epoch, epochTolerance: tolerance, ...OPTIONS };
  const newestStep = Math.floor((epoch + tolerance) / TOTP_PERIOD_SECONDS);
  const after = lastStep === null ? undefined : Number(lastStep);
  try {
    if (after === undefined || after < newestStep) {
      // Steps at or before the last accepted one are skipped, so a code that happens to
      // repeat in a later step still works there.
      const fresh = stepOf(await verify(after === undefined ? base : { ...base, afterTimeStep: after }));
      if (fresh !== undefined) return { kind: 'ok', step: fresh };
      if (after === undefined) return { kind: 'invalid' };
    }
    const any = stepOf(await verify(base));
    return any !== undefined ? { kind: 'replayed', step: any } : { kind: 'invalid' };
  } catch {
    return { kind: 'invalid' };
  }
}

/**
 * Records `step` as used if it is later than the last one: one conditional UPDATE, so of
 * two requests with the same code exactly one gets true. Only for an enabled secret.
 */
export async function claimTotpStep(prisma: PrismaClient, userId: string, step: number): Promise<boolean> {
  const n = await prisma.$executeRaw`
    UPDATE users SET totp_last_step = ${BigInt(step)}
    WHERE id = ${userId}::uuid AND totp_enabled_at IS NOT NULL AND totp_secret IS NOT NULL
      AND (totp_last_step IS NULL OR totp_last_step < ${BigInt(step)})`;
  return n === 1;
}

export function sealTotpSecret(keyring: Keyring, userId: string, secret: string, column: 'totp_secret' | 'totp_pending_secret'): string {
  return keyring.encrypt(secret, { column: `users.${column}`, rowId: userId });
}

export function openTotpSecret(keyring: Keyring, user: Pick<User, 'id' | 'totpSecret'>): string {
  if (!user.totpSecret) throw new Error('no TOTP secret stored');
  return keyring.decrypt(user.totpSecret, { column: 'users.totp_secret', rowId: user.id });
}

export function openPendingSecret(keyring: Keyring, user: Pick<User, 'id' | 'totpPendingSecret'>): string {
  if (!user.totpPendingSecret) throw new Error('no pending TOTP secret stored');
  return keyring.decrypt(user.totpPendingSecret, { column: 'users.totp_pending_secret', rowId: user.id });
}

/** When the step began (for "last used"). */
export function stepStart(step: bigint | number): Date {
  return new Date(Number(step) * TOTP_PERIOD_SECONDS * 1000);
}

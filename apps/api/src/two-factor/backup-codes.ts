// Backup codes: 10 single-use codes XXXXX-XXXXX from Crockford's base32 alphabet (32
// symbols, no I, L, O or U: 10 × 5 = 50 random bits each), shown once and stored only as
// argon2id hashes in backup_codes. A use claims its row with a conditional UPDATE
// (used_at IS NULL), so two simultaneous uses of one code succeed once.
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Prisma, PrismaClient } from '@jutsu/db';
import { normaliseCodeInput } from './totp.ts';

export const BACKUP_CODE_COUNT = 10;
export const BACKUP_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Warn the user (and alert the owner) when this many or fewer remain. */
export const BACKUP_CODES_LOW = 2;

/**
 * Cheaper than the password setting (m=19 MiB, t=2): a code is 50 random bits, not a
 * human choice, so its strength comes from entropy and up to 10 verifies per attempt must
 * stay fast. Measured ~7 ms per verify here (vs ~36 ms); see docs/decisions.md.
 */
export const BACKUP_CODE_ARGON2 = { type: argon2.argon2id, memoryCost: 9_216, timeCost: 1, parallelism: 1 } as const;

export function generateBackupCodes(count = BACKUP_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    // 32 symbols: a byte's low 5 bits are uniform.
    const chars = [...randomBytes(10)].map((b) => BACKUP_CODE_ALPHABET[b & 31]!).join('');
    codes.add(`${chars.slice(0, 5)}-${chars.slice(5)}`);
  }
  return [...codes];
}

/**
 * What is hashed and compared: case, spaces and dashes do not matter, and the letters a
 * reader confuses with digits (O, I, L) count as those digits. Applied to imported legacy
 * codes too, so they keep working however they are typed.
 */
export function normaliseBackupCode(input: string): string {
  return normaliseCodeInput(input).replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** Cheap plausibility check before any hashing: letters and digits, sensible length. */
export function plausibleBackupCode(normalised: string): boolean {
  return /^[0-9A-Z]{6,32}$/.test(normalised);
}

export function hashBackupCode(code: string): Promise<string> {
  return argon2.hash(normaliseBackupCode(code), BACKUP_CODE_ARGON2);
}

/** Hashes outside any transaction (slow), ready for `storeBackupCodes`. */
export function hashBackupCodes(codes: string[]): Promise<string[]> {
  return Promise.all(codes.map(hashBackupCode));
}

/** Replaces all of a user's codes (inside the caller's transaction). */
export async function storeBackupCodes(tx: Prisma.TransactionClient | PrismaClient, userId: string, hashes: string[]): Promise<void> {
  await tx.backupCode.deleteMany({ where: { userId } });
  await tx.backupCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash })) });
}

export function countBackupCodes(prisma: PrismaClient, userId: string): Promise<number> {
  return prisma.backupCode.count({ where: { userId, usedAt: null } });
}

export type BackupCodeUse = { ok: true; remaining: number } | { ok: false; why: 'invalid' | 'used_meanwhile' };

/** Finds the unused code matching `input` and claims it; exactly one caller can win a code. */
export async function consumeBackupCode(prisma: PrismaClient, userId: string, input: string): Promise<BackupCodeUse> {
  const code = normaliseBackupCode(input);
  if (!plausibleBackupCode(code)) return { ok: false, why: 'invalid' };
  const rows = await prisma.backupCode.findMany({ where: { userId, usedAt: null }, select: { id: true, codeHash: true }, orderBy: { id: 'asc' } });
  for (const row of rows) {
    const match = await argon2.verify(row.codeHash, code).catch(() => false);
    if (!match) continue;
    const claimed = await prisma.backupCode.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date() } });
    if (claimed.count !== 1) return { ok: false, why: 'used_meanwhile' };
    return { ok: true, remaining: await countBackupCodes(prisma, userId) };
  }
  return { ok: false, why: 'invalid' };
}

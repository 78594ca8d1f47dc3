// Two-factor data from the earlier (Python) system, which kept TOTP secrets as plain base32
// and backup codes as a plain JSON array. Imported secrets are encrypted through the
// keyring; backup codes are hashed like new ones (normalised the same way), so the codes
// people already hold keep working. Format: docs/decisions.md ("Legacy 2FA import").
import fs from 'node:fs/promises';
import { generate } from 'otplib';
import { z } from 'zod';
import { openDatabase, type PrismaClient } from '@jutsu/db';
import type { Keyring } from '../security/keyring.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import { hashBackupCodes, normaliseBackupCode, plausibleBackupCode, storeBackupCodes } from './backup-codes.ts';
import { sealTotpSecret } from './totp.ts';

/** One user of the earlier system, as in the JSON file or its `users` table. */
export interface LegacyTwoFactorRecord {
  username: string;
  totp_secret: string | null;
  /** JSON array of codes, or its text (as the earlier system stored it). */
  backup_codes?: string[] | string | null;
  /** When present and false, the user never finished enrolment: nothing is imported. */
  totp_enabled?: boolean | null;
}

const recordSchema = z.object({
  username: z.string().min(1).max(128),
  totp_secret: z.string().max(256).nullable(),
  backup_codes: z.union([z.array(z.string().max(64)).max(100), z.string().max(10_000)]).nullish(),
  totp_enabled: z.boolean().nullish(),
});
export const legacyFileSchema = z.array(recordSchema).max(100_000);

export class LegacyImportError extends Error {}

export async function readLegacyJsonFile(file: string): Promise<LegacyTwoFactorRecord[]> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new LegacyImportError(`cannot read ${file} as JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = legacyFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LegacyImportError(`${file} is not in the expected format (${issue.path.join('.') || 'top level'}: ${issue.message}); expected [{"username", "totp_secret", "backup_codes": [...]}]`);
  }
  return parsed.data;
}

/** Reads the earlier system's `users` table (username, totp_secret, backup_codes [, totp_enabled]). */
export async function readLegacyDatabase(url: string): Promise<LegacyTwoFactorRecord[]> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new LegacyImportError('the legacy database URL must be a postgresql:// URL');
  const legacy = await openDatabase({ url });
  try {
    const cols = await legacy.sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users'`,
    );
    const have = new Set(cols.map((r) => r.column_name));
    const missing = ['username', 'totp_secret', 'backup_codes'].filter((c) => !have.has(c));
    if (missing.length) throw new LegacyImportError(`the legacy database's users table has no ${missing.join(', ')} column`);
    const enabled = have.has('totp_enabled') ? ', totp_enabled' : '';
    const rows = await legacy.sql.query<{ username: string; totp_secret: string | null; backup_codes: unknown; totp_enabled?: boolean | null }>(
      `SELECT username, totp_secret, backup_codes${enabled} FROM users WHERE totp_secret IS NOT NULL ORDER BY username`,
    );
    return rows.map((r) => ({
      username: r.username,
      totp_secret: r.totp_secret,
      // text holding JSON, or json/jsonb already parsed by the driver
      backup_codes: Array.isArray(r.backup_codes) ? r.backup_codes.map(String) : typeof r.backup_codes === 'string' ? r.backup_codes : null,
      ...(r.totp_enabled !== undefined ? { totp_enabled: r.totp_enabled } : {}),
    }));
  } finally {
    await legacy.close();
  }
}

export interface ImportOutcome {
  username: string;
  status: 'imported' | 'skipped';
  /** Why it was skipped, or a caution about what was imported. Never secret material. */
  note?: string;
  backupCodes?: number;
}

function normaliseSecret(raw: string): string {
  return raw.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
}

function parseCodes(value: LegacyTwoFactorRecord['backup_codes']): { codes: string[]; dropped: number } {
  let list: unknown = value ?? [];
  if (typeof list === 'string') {
    try {
      list = list.trim() ? JSON.parse(list) : [];
    } catch {
      return { codes: [], dropped: -1 };
    }
  }
  if (!Array.isArray(list)) return { codes: [], dropped: -1 };
  const codes = new Set<string>();
  let dropped = 0;
  for (const c of list) {
    const n = typeof c === 'string' ? normaliseBackupCode(c) : '';
    if (plausibleBackupCode(n)) codes.add(n);
    else dropped++;
  }
  return { codes: [...codes], dropped };
}

/**
 * Imports each record into the matching local account (by username). Accounts that
 * already have two-factor sign-in here are left alone, so running it twice is harmless.
 */
export async function importLegacyTwoFactor(
  deps: { prisma: PrismaClient; keyring: Keyring; securityEvents: SecurityEvents },
  records: LegacyTwoFactorRecord[],
  opts: { dryRun?: boolean } = {},
): Promise<ImportOutcome[]> {
  const { prisma, keyring, securityEvents } = deps;
  if (!keyring.configured && !opts.dryRun) throw new LegacyImportError('ENCRYPTION_KEYS is not set: secrets cannot be stored encrypted');
  const out: ImportOutcome[] = [];
  for (const r of records) {
    const username = r.username.normalize('NFKC').toLowerCase().trim();
    const skip = (note: string) => out.push({ username, status: 'skipped', note });
    if (r.totp_enabled === false) {
      skip('two-factor sign-in was not enabled in the earlier system');
      continue;
    }
    if (!r.totp_secret?.trim()) {
      skip('no TOTP secret');
      continue;
    }
    const secret = normaliseSecret(r.totp_secret);
    if (!/^[A-Z2-7]+$/.test(secret)) {
      skip('the TOTP secret is not base32');
      continue;
    }
    const bits = Math.floor((secret.length * 5) / 8) * 8;
    if (bits < 128) {
      skip(`the TOTP secret has only ${bits} bits (at least 128 needed): the user must set up two-factor sign-in again`);
      continue;
    }
    // otplib must accept it, or the user could never sign in.
    if (!(await otplibAccepts(secret))) {
      skip('the TOTP secret is not usable');
      continue;
    }
    const { codes, dropped } = parseCodes(r.backup_codes);
    if (dropped === -1) {
      skip('backup_codes is not a JSON array of strings');
      continue;
    }
    const user = await prisma.user.findUnique({ where: { username } });
    if (!user) {
      skip('no account with this username here');
      continue;
    }
    if (user.totpEnabledAt) {
      skip('already has two-factor sign-in here (left unchanged)');
      continue;
    }
    const notes = [
      bits < 160 ? `secret has ${bits} bits (below the 160 of new ones): suggest setting up again` : '',
      dropped ? `${dropped} backup code(s) not in a usable form were dropped` : '',
      codes.length ? 'legacy backup codes are shorter than new ones: suggest regenerating them' : '',
    ].filter(Boolean);
    if (opts.dryRun) {
      out.push({ username, status: 'imported', backupCodes: codes.length, ...(notes.length ? { note: `dry run; ${notes.join('; ')}` } : { note: 'dry run' }) });
      continue;
    }
    const hashes = await hashBackupCodes(codes);
    const done = await prisma.$transaction(async (tx) => {
      const res = await tx.user.updateMany({
        where: { id: user.id, totpEnabledAt: null },
        data: {
          totpSecret: sealTotpSecret(keyring, user.id, secret, 'totp_secret'),
          totpEnabledAt: new Date(),
          totpLastStep: null,
          totpPendingSecret: null,
          totpPendingCreatedAt: null,
        },
      });
      if (res.count !== 1) return false;
      await storeBackupCodes(tx, user.id, hashes);
      return true;
    });
    if (!done) {
      skip('already has two-factor sign-in here (left unchanged)');
      continue;
    }
    await securityEvents.record({
      type: 'two_factor.imported',
      severity: 'warning',
      userId: user.id,
      username: user.username,
      details: { source: 'legacy', backupCodes: codes.length, secretBits: bits },
    });
    out.push({ username, status: 'imported', backupCodes: codes.length, ...(notes.length ? { note: notes.join('; ') } : {}) });
  }
  return out;
}

async function otplibAccepts(secret: string): Promise<boolean> {
  try {
    await generate({ secret });
    return true;
  } catch {
    return false;
  }
}

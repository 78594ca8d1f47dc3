// Backup codes: shape, entropy, normalisation and hashing (real argon2id).
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { BACKUP_CODE_ALPHABET, BACKUP_CODE_ARGON2, generateBackupCodes, hashBackupCode, normaliseBackupCode } from './backup-codes.ts';

describe('backup codes', () => {
  it('are 10 distinct XXXXX-XXXXX codes of at least 50 bits from an unambiguous alphabet', () => {
    const codes = generateBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(BACKUP_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(BACKUP_CODE_ALPHABET).size).toBe(32);
    expect(BACKUP_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    expect(10 * Math.log2(BACKUP_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(50);
  });

  it('uses every symbol (no modulo bias toward a subset)', () => {
    const seen = new Set(generateBackupCodes(200).join('').replace(/-/g, ''));
    expect(seen.size).toBe(32);
  });

  it('normalises case, spaces, dashes and look-alike letters', () => {
    expect(normaliseBackupCode(' ab0cd - efg1h ')).toBe('AB0CDEFG1H');
    expect(normaliseBackupCode('abOcd efgIh')).toBe('AB0CDEFG1H');
    expect(normaliseBackupCode('ABOCD-EFGLH')).toBe('AB0CDEFG1H');
  });

  it('stores an argon2id hash that does not contain the code, and matches typed variants', async () => {
    const [code] = generateBackupCodes(1) as [string];
    const hash = await hashBackupCode(code);
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(hash).not.toContain(code);
    expect(hash).not.toContain(code.replace('-', ''));
    expect(await argon2.verify(hash, normaliseBackupCode(code.toLowerCase().replace('-', ' ')))).toBe(true);
    expect(argon2.needsRehash(hash, BACKUP_CODE_ARGON2)).toBe(false);
  });
});

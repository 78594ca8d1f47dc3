// argon2id (OWASP: m=19 MiB, t=2, p=1). Hashes from the earlier system (bcrypt $2b$) are
// accepted once and replaced by argon2id on that successful login.
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

let dummy: Promise<string> | undefined;
/** A real hash of nothing anyone knows: unknown users cost the same time as known ones. */
function dummyHash(): Promise<string> {
  dummy ??= argon2.hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
  return dummy;
}

export interface PasswordCheck {
  ok: boolean;
  /** True when the stored hash is legacy or weaker than ARGON2_OPTIONS: store a new one. */
  needsRehash: boolean;
}

export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<PasswordCheck> {
  if (!storedHash) {
    await argon2.verify(await dummyHash(), password).catch(() => false);
    return { ok: false, needsRehash: false };
  }
  if (/^\$2[aby]\$\d\d\$/.test(storedHash)) {
    const ok = await bcrypt.compare(password, storedHash);
    return { ok, needsRehash: ok };
  }
  try {
    const ok = await argon2.verify(storedHash, password);
    return { ok, needsRehash: ok && argon2.needsRehash(storedHash, ARGON2_OPTIONS) };
  } catch {
    return { ok: false, needsRehash: false };
  }
}

import { z } from 'zod';

/** Login names: case-insensitive (stored lower-case), plain characters only. */
export const usernameSchema = z
  .string()
  .trim()
  .min(3, 'Username must be at least 3 characters')
  .max(32, 'Username must be at most 32 characters')
  .transform((s) => s.normalize('NFKC').toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'Use letters, digits, dot, dash or underscore'));

/** NIST 800-63B: length only here; strength and breach checks happen on the server. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MIN_SINGLE_FACTOR = 15;
export const PASSWORD_MAX = 128;
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters`);
/** A presented password is only bounded (so hashing cost stays bounded), never judged. */
export const presentedPasswordSchema = z.string().min(1, 'Password is required').max(PASSWORD_MAX * 4);

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());
